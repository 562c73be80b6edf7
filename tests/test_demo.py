"""The demo deployment (DESIGN §5) and the health endpoint."""

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from actions_api.models import Customer, Document, Order
from roles.models import RoleAssignment

pytestmark = pytest.mark.django_db


def test_seeding_twice_changes_nothing(demo):
    counts = [model.objects.count() for model in (User, Customer, Order, Document, RoleAssignment)]
    call_command("seed_demo", force=True)
    assert [model.objects.count() for model in (User, Customer, Order, Document, RoleAssignment)] == counts


def test_every_region_has_customers_and_orders(demo):
    for region in ("EMEA", "AMER", "APAC"):
        assert Customer.objects.filter(region=region).exists()
        assert Order.objects.filter(region=region).exists()


def test_demo_users_sign_in_with_the_demo_password(demo):
    for username in ("alice", "bob", "carol", "erin", "dave"):
        assert User.objects.get(username=username).check_password("rolegate-demo")
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("rolegate-admin")


def test_seeding_refuses_to_run_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_healthz_is_ok_while_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"
