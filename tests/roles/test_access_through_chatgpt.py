"""Every access rule of issue 4 through the real GPT sign-in flow (live server, HTTP, real JWTs)."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.redirects import ChatGPTCallbacks
from actions_api.models import Customer, Order
from roles.models import Role, RoleAssignment
from roles.services import role_assign, role_include, user_access_revoke
from tests.chatgpt import ChatGPT
from tests.factories import ConnectionFactory, RoleFactory, TeamFactory
from tests.servers import wait_for_the_next_whole_second

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def second_gpt(live_demo):
    """Another GPT connection of the same company."""
    ConnectionFactory(
        client_id="second-gpt",
        client_secret="second-gpt-secret",
        redirect_uris="",
        chatgpt_callbacks=ChatGPTCallbacks.ANY_GPT,
        require_pkce=False,
    )
    return ChatGPT(live_demo.url, client_id="second-gpt", client_secret="second-gpt-secret")


def ids(rows) -> set[int]:
    return {row["id"] for row in rows}


def test_composite_team_expired_and_connection_bound_assignments_combine(chatgpt, second_gpt):
    dave = User.objects.get(username="dave")
    now = timezone.now()
    # Through a team: a composite that includes the demo's sales-emea.
    lead = RoleFactory(slug="regional-lead")
    role_include(role=lead, included=[Role.objects.get(slug="sales-emea")])
    role_assign(role=lead, team=TeamFactory(slug="analysts", members=[dave]))
    # Expired: HR documents no longer.
    role_assign(
        role=Role.objects.get(slug="hr"),
        user=dave,
        starts_at=now - dt.timedelta(days=30),
        ends_at=now - dt.timedelta(days=1),
    )
    # Connection-bound: APAC customers only through the demo GPT, all orders only through the second.
    apac = RoleFactory(slug="apac-customers", permissions=["customers.read"], scopes={"region": ["APAC"]})
    apac.connections.add(chatgpt_connection())
    everything = RoleFactory(slug="all-orders", permissions=["orders.read"], scopes={"region": ["*"]})
    everything.connections.add(ConnectionFactory._meta.model.objects.get(client_id="second-gpt"))
    role_assign(role=apac, user=dave)
    role_assign(role=everything, user=dave)

    chatgpt.sign_in("dave")
    claims = chatgpt.call("/api/v1/me").json()
    assert claims["roles"] == ["apac-customers", "regional-lead", "sales-emea"]
    assert claims["permissions"] == ["customers.read", "orders.read"]
    assert claims["data_scopes"] == {"region": ["APAC", "EMEA"]}
    assert ids(chatgpt.all_rows("/api/v1/customers")) == set(
        Customer.objects.filter(region__in=["APAC", "EMEA"]).values_list("id", flat=True)
    )
    assert ids(chatgpt.all_rows("/api/v1/orders")) == set(
        Order.objects.filter(region__in=["APAC", "EMEA"]).values_list("id", flat=True)
    )
    assert chatgpt.call("/api/v1/documents").status_code == 403

    second_gpt.sign_in("dave")
    claims = second_gpt.call("/api/v1/me").json()
    assert claims["roles"] == ["all-orders", "regional-lead", "sales-emea"]
    assert claims["data_scopes"] == {"region": ["*"]}
    assert ids(second_gpt.all_rows("/api/v1/orders")) == set(Order.objects.values_list("id", flat=True))


def test_an_assignment_that_ends_is_not_in_the_next_token(chatgpt):
    dave = User.objects.get(username="dave")
    assignment = role_assign(role=Role.objects.get(slug="finance"), user=dave)
    chatgpt.sign_in("dave")
    assert chatgpt.call("/api/v1/me").json()["roles"] == ["finance"]

    RoleAssignment.objects.filter(pk=assignment.pk).update(ends_at=timezone.now())
    assert chatgpt.refresh().status_code == 200

    assert chatgpt.call("/api/v1/me").json()["roles"] == []
    assert chatgpt.call("/api/v1/orders").status_code == 403


def chatgpt_connection():
    return ConnectionFactory._meta.model.objects.get(client_id="demo-gpt")


def wait_until_refused(chatgpt, path="/api/v1/orders", *, within: float) -> float:
    """Seconds until the API refuses the current token (fails the test after `within`)."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        response = chatgpt.call(path)
        if response.status_code == 401:
            assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
            assert "revoked" in response.json()["detail"]
            return time.monotonic() - started
        assert response.status_code == 200
        time.sleep(0.2)
    pytest.fail(f"the revoked token still worked after {within} s")


def test_a_revoked_users_existing_token_is_refused_within_seconds(chatgpt, rolegate):
    rolegate(ACCESS_REVOCATION_REFRESH_SECONDS=2)
    chatgpt.sign_in("alice")
    assert chatgpt.call("/api/v1/orders").status_code == 200
    other = ChatGPT(chatgpt.base_url)
    other.sign_in("bob")

    user_access_revoke(users=User.objects.filter(username="alice"), reason="test")

    assert wait_until_refused(chatgpt, within=10) <= 2 + 1
    refresh = chatgpt.refresh()
    assert refresh.status_code == 400 and refresh.json()["error"] == "invalid_grant"
    assert other.call("/api/v1/orders").status_code == 200  # only alice's access ended

    wait_for_the_next_whole_second()  # tokens issued in the revocation's second are refused too
    chatgpt.sign_in("alice")
    assert chatgpt.call("/api/v1/orders").status_code == 200


def test_deactivating_a_user_ends_their_tokens(chatgpt, rolegate):
    rolegate(ACCESS_REVOCATION_REFRESH_SECONDS=1)
    chatgpt.sign_in("carol")
    assert chatgpt.call("/api/v1/orders").status_code == 200

    carol = User.objects.get(username="carol")
    carol.is_active = False
    carol.save()

    wait_until_refused(chatgpt, within=10)
    assert chatgpt.refresh().status_code == 400


def test_the_admin_preview_shows_exactly_the_claims_of_the_token_chatgpt_then_gets(chatgpt, live_demo):
    import json
    import re

    import jwt

    dave = User.objects.get(username="dave")
    lead = RoleFactory(slug="regional-lead")
    role_include(role=lead, included=[Role.objects.get(slug="sales-emea")])
    role_assign(role=lead, team=TeamFactory(slug="analysts", members=[dave]))
    bound = RoleFactory(slug="apac-customers", permissions=["customers.read"], scopes={"region": ["APAC"]})
    bound.connections.add(chatgpt_connection())
    role_assign(role=bound, user=dave)
    User.objects.create_superuser("root", "root@example.test", "root-password")
    admin = chatgpt.signed_in_browser("root", "root-password")

    page = admin.get(f"{live_demo.url}/admin/accounts/user/{dave.pk}/change/", params={"connection": "demo-gpt"})
    preview = json.loads(
        re.search(r'<pre id="effective-access-json">(.*?)</pre>', page.text, re.S).group(1).replace("&quot;", '"')
    )
    token = jwt.decode(chatgpt.sign_in("dave")["access_token"], options={"verify_signature": False})

    assert preview == {name: token[name] for name in ("roles", "permissions", "data_scopes")}
    assert preview["roles"] == ["apac-customers", "regional-lead", "sales-emea"]
