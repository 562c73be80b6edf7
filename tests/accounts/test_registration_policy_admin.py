"""What an admin does about self-registered clients, through the admin pages."""

import pytest

from accounts.models import ClientRegistrationPolicy
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


def test_an_admin_closes_registration_on_the_single_policy_page(admin_client):
    response = admin_client.post(
        "/admin/accounts/clientregistrationpolicy/add/",
        {"registration_open": "", "metadata_hosts": ".claude.ai", "extra_redirect_uris": ""},
    )

    assert response.status_code == 302
    policy = ClientRegistrationPolicy.current()
    assert policy.registration_open is False
    assert policy.metadata_hosts == ".claude.ai"
    assert admin_client.get("/admin/accounts/clientregistrationpolicy/add/").status_code == 403


def test_a_connection_can_be_switched_off_on_its_admin_page(admin_client):
    connection = ConnectionFactory()

    page = admin_client.get(f"/admin/accounts/application/{connection.pk}/change/").content.decode()

    assert 'name="is_active"' in page
