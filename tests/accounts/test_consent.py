"""Consent (ASVS 10.7.1): asked for every new callback, scope set or resource; the client cannot waive it."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from accounts.models import Application, User
from accounts.services import connection_access_revoke
from roles.conf import rolegate_settings

AccessToken = get_access_token_model()
GPT_ONE = "https://chatgpt.com/aip/g-one111/oauth/callback"
GPT_TWO = "https://chatgpt.com/aip/g-two222/oauth/callback"


@pytest.fixture
def alice(demo, client):
    user = User.objects.get(username="alice")
    client.force_login(user)
    return user


def authorize(client, redirect_uri=GPT_ONE, **params):
    query = {
        "response_type": "code",
        "client_id": "demo-gpt",
        "redirect_uri": redirect_uri,
        "scope": "openid profile api",
        "state": "st",
        **params,
    }
    return client.get("/o/authorize/", query)


def allow(client, page):
    assert page.status_code == 200 and "form" in page.context, "expected the consent page"
    data = {key: value for key, value in page.context["form"].initial.items() if value is not None}
    return client.post("/o/authorize/", {**data, "allow": "Authorize"})


def got_code(response) -> bool:
    return response.status_code == 302 and "code" in parse_qs(urlsplit(response["Location"]).query)


def test_a_live_token_does_not_let_the_client_skip_consent_for_a_gpt_id_never_seen(client, alice):
    """The review: with approval_prompt=auto any live token skipped consent, even for another GPT."""
    AccessToken.objects.create(
        user=alice,
        application=Application.objects.get(client_id="demo-gpt"),
        token="live",
        scope="openid profile api",
        expires=timezone.now() + dt.timedelta(minutes=10),
    )

    page = authorize(client, GPT_TWO, approval_prompt="auto")

    assert page.status_code == 200 and "wants to use your account" in page.content.decode()


def test_an_approval_is_remembered_only_for_the_same_callback_scopes_and_resource(client, alice):
    assert got_code(allow(client, authorize(client)))

    assert got_code(authorize(client))  # exactly what was allowed: no page
    assert got_code(authorize(client, scope="api profile openid"))  # the same set in another order
    for different in (
        authorize(client, GPT_TWO),
        authorize(client, scope="openid"),
        authorize(client, resource=rolegate_settings.MCP_RESOURCE),
    ):
        assert different.status_code == 200 and "form" in different.context


def test_prompt_consent_always_shows_the_page(client, alice):
    allow(client, authorize(client))

    page = authorize(client, prompt="consent")

    assert page.status_code == 200 and "form" in page.context


def test_prompt_none_cannot_skip_consent(client, alice):
    response = authorize(client, prompt="none")

    assert response.status_code == 302
    assert parse_qs(urlsplit(response["Location"]).query)["error"] == ["consent_required"]


def test_revoking_a_connections_access_forgets_the_approval(client, alice):
    allow(client, authorize(client))

    connection_access_revoke(user=alice, client_id="demo-gpt")

    assert authorize(client).status_code == 200


def test_a_connection_an_admin_marked_trusted_skips_the_page(client, alice):
    Application.objects.filter(client_id="demo-gpt").update(skip_authorization=True)

    assert got_code(authorize(client, GPT_TWO))
