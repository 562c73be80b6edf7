""" "See what they see": the API's own rows for a user's next token, or a role's, with nothing minted or logged."""

import json

import pytest
from django.urls import reverse
from oauth2_provider.models import get_access_token_model, get_application_model

from accounts.models import User
from actions_api.demo import DEMO_CLIENT_ID
from actions_api.models import ActionCall
from roles.models import Role
from tests.factories import ConnectionFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def seen(response) -> dict:
    return {one.collection.name: one for one in response.context["collections"]}


@pytest.mark.parametrize("username", ["alice", "carol", "erin"])
def test_the_rows_shown_are_exactly_the_first_rows_the_api_returns_for_that_users_next_token(
    demo, staff, mint_token, bearer, username
):
    user = User.objects.get(username=username)
    gpt = get_application_model().objects.get(client_id=DEMO_CLIENT_ID)
    token = mint_token(user, connection=gpt)

    page = staff.get(reverse("user-sees", args=[user.pk]), {"connection": DEMO_CLIENT_ID})

    assert page.status_code == 200
    for name, shown in seen(page).items():
        api = bearer(token).get(f"/api/v1/{name}")
        if shown.permitted:
            assert api.status_code == 200
            assert json.loads(json.dumps(shown.rows)) == api.json()["results"][: len(shown.rows)]
            assert shown.count == api.json()["count"] and len(shown.rows) == min(5, shown.count)
        else:
            assert api.status_code == 403 and api.json()["detail"] == shown.refusal


def test_seeing_what_they_see_mints_nothing_and_logs_no_action_call(demo, staff):
    alice = User.objects.get(username="alice")

    response = staff.get(reverse("user-sees", args=[alice.pk]), {"connection": DEMO_CLIENT_ID})

    assert "Aurora Logistics" in response.content.decode()
    assert not ActionCall.objects.exists()
    assert not get_access_token_model().objects.exists()


def test_a_role_limited_to_a_connection_shows_its_rows_only_when_that_connection_is_chosen(demo, staff):
    sales_gpt = ConnectionFactory(name="Sales GPT")
    limited = RoleFactory(slug="apac-sales", permissions=["customers.read"], scopes={"region": ["APAC"]})
    limited.connections.add(sales_gpt)
    dave = User.objects.get(username="dave")
    dave.role_assignments.create(role=limited)
    url = reverse("user-sees", args=[dave.pk])

    without = seen(staff.get(url))["customers"]
    through = seen(staff.get(url, {"connection": sales_gpt.client_id}))["customers"]

    assert not without.permitted
    assert through.count == 5 and {row["region"] for row in through.rows} == {"APAC"}


def test_an_unknown_connection_is_said_so(demo, staff):
    alice = User.objects.get(username="alice")

    response = staff.get(reverse("user-sees", args=[alice.pk]), {"connection": "no-such-gpt"})

    assert "No connection has that client id." in response.content.decode()


def test_a_roles_page_shows_what_holding_it_alone_lets_a_gpt_read(demo, staff):
    hr = Role.objects.get(slug="hr")

    documents = seen(staff.get(reverse("role-sees", args=[hr.pk])))

    assert {row["department"] for row in documents["documents"].rows} == {"HR"}
    assert not documents["orders"].permitted


def test_the_user_page_links_to_see_what_they_see(demo, staff):
    alice = User.objects.get(username="alice")

    page = staff.get(reverse("admin:accounts_user_change", args=[alice.pk])).content.decode()

    assert reverse("user-sees", args=[alice.pk]) in page


def test_only_staff_may_see_what_others_see(demo, client):
    client.force_login(User.objects.get(username="alice"))

    response = client.get(reverse("user-sees", args=[User.objects.get(username="bob").pk]))

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
