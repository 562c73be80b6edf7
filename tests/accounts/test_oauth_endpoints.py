"""
The authorization and token endpoints against RFC 9700 and ASVS V10, over real HTTP.

ChatGPT (tests/chatgpt.py) plays the client; an attacker is the same client with a stolen or
replayed value. Every refusal is a standard OAuth error code.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth.hashers import check_password, identify_hasher
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
)

from accounts.models import AuthorizationCodeRedemption
from roles.conf import rolegate_settings
from tests.chatgpt import ChatGPT, form_fields
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db(transaction=True)

AccessToken = get_access_token_model()
Application = get_application_model()
Grant = get_grant_model()
RefreshToken = get_refresh_token_model()

EXACT_CALLBACK = "https://app.example.test/callback"


def query_of(location: str) -> dict:
    return {name: values[0] for name, values in parse_qs(urlsplit(location).query, keep_blank_values=True).items()}


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize(chatgpt: ChatGPT, browser: requests.Session, **params) -> requests.Response:
    """Opens the authorization URL in a signed-in browser and approves the consent page."""
    response = browser.get(chatgpt.authorization_url(**params), allow_redirects=False)
    if response.status_code == 200 and "allow" in response.text:
        response = browser.post(
            response.url, data={**form_fields(response.text), "allow": "Authorize"}, allow_redirects=False
        )
    return response


def exchange(chatgpt: ChatGPT, code: str, **extra) -> requests.Response:
    return chatgpt.token_request(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": chatgpt.callback, **extra}
    )


def live_refresh_tokens(username: str):
    return RefreshToken.objects.filter(user__username=username, revoked__isnull=True)


@pytest.fixture
def exact_client(live_demo):
    """A confidential connection with one registered redirect URI and PKCE required."""
    ConnectionFactory(client_id="exact-app", client_secret="exact-secret", redirect_uris=EXACT_CALLBACK)
    return ChatGPT(live_demo.url, client_id="exact-app", client_secret="exact-secret", callback=EXACT_CALLBACK)


# ---------------------------------------------------------------- redirect URIs


@pytest.mark.parametrize(
    "callback",
    [
        EXACT_CALLBACK + "/",
        EXACT_CALLBACK + "?x=1",
        EXACT_CALLBACK + "#frag",
        EXACT_CALLBACK.upper(),
        "https://app.example.test:8443/callback",
        "http://app.example.test/callback",
        "https://app.example.test/callback/../evil",
        "https://app.example.test.evil.example/callback",
        "https://evil.example/?https://app.example.test/callback",
        "https://chatgpt.com/aip/g-Demo1234/oauth/callback",  # not accepted by an exact-only connection
    ],
)
def test_a_redirect_uri_that_is_not_exactly_registered_is_refused_without_redirecting(exact_client, callback):
    browser = exact_client.signed_in_browser("alice")
    verifier, challenge = pkce_pair()
    exact_client.callback = callback

    response = browser.get(
        exact_client.authorization_url(code_challenge=challenge, code_challenge_method="S256"), allow_redirects=False
    )

    assert response.status_code == 400
    assert "Location" not in response.headers


def test_the_exactly_registered_redirect_uri_is_accepted(exact_client):
    browser = exact_client.signed_in_browser("alice")
    verifier, challenge = pkce_pair()
    response = authorize(exact_client, browser, code_challenge=challenge, code_challenge_method="S256")
    assert response.status_code == 302 and response.headers["Location"].startswith(EXACT_CALLBACK + "?")
    assert exchange(exact_client, query_of(response.headers["Location"])["code"], code_verifier=verifier).ok


def test_a_code_issued_for_one_gpt_callback_cannot_be_redeemed_with_another(chatgpt):
    params = chatgpt.authorize("alice", "rolegate-demo")
    chatgpt.callback = "https://chatgpt.com/aip/g-Other999/oauth/callback"

    response = exchange(chatgpt, params["code"])

    # RFC 6749 §5.2 names invalid_grant; oauthlib answers invalid_request ("Mismatching redirect URI").
    assert response.status_code == 400 and response.json()["error"] in ("invalid_grant", "invalid_request")
    assert "access_token" not in response.json()


# ---------------------------------------------------------------- authorization codes


def test_an_authorization_code_is_short_lived(chatgpt):
    params = chatgpt.authorize("alice", "rolegate-demo")
    grant = Grant.objects.get()
    assert grant.expires - grant.created <= dt.timedelta(seconds=60)

    Grant.objects.update(expires=grant.created - dt.timedelta(seconds=1))  # a minute later
    response = exchange(chatgpt, params["code"])

    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_a_reused_authorization_code_is_refused_and_revokes_every_token_issued_from_it(chatgpt):
    params = chatgpt.authorize("alice", "rolegate-demo")
    first = exchange(chatgpt, params["code"])
    assert first.status_code == 200
    chatgpt.tokens = first.json()
    assert chatgpt.refresh().status_code == 200  # the family grows: the rotated token must fall too
    assert live_refresh_tokens("alice").count() == 1 and AccessToken.objects.filter(user__username="alice").exists()

    replay = exchange(chatgpt, params["code"])

    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert not live_refresh_tokens("alice").exists()
    assert not AccessToken.objects.filter(user__username="alice").exists()
    refused = chatgpt.refresh()
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"


def test_a_reused_code_does_not_touch_the_users_other_sign_ins(chatgpt, live_demo):
    other = ChatGPT(live_demo.url)
    other.sign_in("alice")
    params = chatgpt.authorize("alice", "rolegate-demo")
    assert exchange(chatgpt, params["code"]).status_code == 200

    assert exchange(chatgpt, params["code"]).status_code == 400

    assert other.refresh().status_code == 200


def test_only_a_checksum_of_a_redeemed_code_is_kept(chatgpt):
    params = chatgpt.authorize("alice", "rolegate-demo")
    assert exchange(chatgpt, params["code"]).status_code == 200
    redemption = AuthorizationCodeRedemption.objects.get()
    assert redemption.code_checksum == hashlib.sha256(params["code"].encode()).hexdigest()
    assert params["code"] not in str(list(AuthorizationCodeRedemption.objects.values()))


def test_an_unknown_code_is_invalid_grant(chatgpt):
    response = exchange(chatgpt, "never-issued")
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


# ---------------------------------------------------------------- state


@pytest.mark.parametrize("state", ["abc", "a b&c=d/é?#", "x" * 200])
def test_state_is_echoed_exactly_on_success(chatgpt, state):
    assert chatgpt.authorize("alice", "rolegate-demo", state=state)["state"] == state


def test_state_is_echoed_when_the_user_denies(chatgpt):
    browser = chatgpt.signed_in_browser("alice")
    page = browser.get(chatgpt.authorization_url(state="deny-me"), allow_redirects=False)
    assert page.status_code == 200
    fields = {name: value for name, value in form_fields(page.text).items() if name != "allow"}

    response = browser.post(page.url, data=fields, allow_redirects=False)

    params = query_of(response.headers["Location"])
    assert params["error"] == "access_denied" and params["state"] == "deny-me"


def test_the_authorization_response_names_the_issuer(chatgpt, live_demo, settings):
    # RFC 9207 (RFC 9700 §4.4.2.3): mix-up defence.
    params = chatgpt.authorize("alice", "rolegate-demo")
    assert params["iss"] == rolegate_settings.PORTAL_BASE_URL


# ---------------------------------------------------------------- PKCE


def test_a_client_that_began_with_pkce_cannot_finish_without_it(chatgpt):
    # demo-gpt has PKCE optional (ChatGPT sends none); once a challenge is sent it binds the code.
    browser = chatgpt.signed_in_browser("alice")
    verifier, challenge = pkce_pair()
    response = authorize(chatgpt, browser, code_challenge=challenge, code_challenge_method="S256")
    code = query_of(response.headers["Location"])["code"]

    without = exchange(chatgpt, code)
    assert without.status_code == 400 and without.json()["error"] in {"invalid_request", "invalid_grant"}
    wrong = exchange(chatgpt, code, code_verifier=pkce_pair()[0])
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"


def test_a_pkce_code_with_the_right_verifier_is_accepted(chatgpt):
    browser = chatgpt.signed_in_browser("alice")
    verifier, challenge = pkce_pair()
    response = authorize(chatgpt, browser, code_challenge=challenge, code_challenge_method="S256")
    assert exchange(chatgpt, query_of(response.headers["Location"])["code"], code_verifier=verifier).ok


def test_a_connection_that_requires_pkce_refuses_an_authorization_request_without_it(exact_client):
    browser = exact_client.signed_in_browser("alice")
    response = browser.get(exact_client.authorization_url(state="s1"), allow_redirects=False)
    params = query_of(response.headers["Location"])
    assert params["error"] == "invalid_request" and params["state"] == "s1"


def test_the_plain_pkce_method_is_refused(exact_client):
    browser = exact_client.signed_in_browser("alice")
    response = authorize(exact_client, browser, code_challenge="a" * 43, code_challenge_method="plain", state="s2")
    params = query_of(response.headers["Location"])
    assert params["error"] == "invalid_request" and params["state"] == "s2"
    assert not Grant.objects.exists()


# ---------------------------------------------------------------- refresh tokens


def test_a_reused_refresh_token_revokes_the_whole_family(chatgpt):
    chatgpt.sign_in("alice")
    stolen = chatgpt.tokens["refresh_token"]
    assert chatgpt.refresh().status_code == 200  # the legitimate client rotates
    current = chatgpt.tokens["refresh_token"]

    replay = chatgpt.token_request({"grant_type": "refresh_token", "refresh_token": stolen})
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"

    after = chatgpt.token_request({"grant_type": "refresh_token", "refresh_token": current})
    assert after.status_code == 400 and after.json()["error"] == "invalid_grant"
    assert not live_refresh_tokens("alice").exists()
    assert not AccessToken.objects.filter(user__username="alice").exists()


def test_a_sign_in_ends_at_its_absolute_lifetime_however_often_it_rotated(chatgpt, settings):
    chatgpt.sign_in("alice")
    assert chatgpt.refresh().status_code == 200  # rotation alone keeps it alive (sliding expiry)
    started = AuthorizationCodeRedemption.objects.get()
    AuthorizationCodeRedemption.objects.update(
        redeemed_at=started.redeemed_at - dt.timedelta(seconds=rolegate_settings.REFRESH_TOKEN_MAX_AGE_SECONDS)
    )

    response = chatgpt.refresh()

    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_a_refresh_token_is_bound_to_its_client(chatgpt, live_demo):
    chatgpt.sign_in("alice")
    ConnectionFactory(client_id="other-app", client_secret="other-secret")
    thief = ChatGPT(live_demo.url, client_id="other-app", client_secret="other-secret", tokens=chatgpt.tokens)

    response = thief.refresh()

    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_refresh_tokens_are_stored_only_as_checksums(chatgpt):
    tokens = chatgpt.sign_in("alice")
    stored = RefreshToken.objects.get()
    assert stored.token_checksum == hashlib.sha256(tokens["refresh_token"].encode()).hexdigest()
    assert tokens["refresh_token"] not in stored.token


def test_the_user_can_revoke_a_connections_access_from_the_portal(chatgpt):
    chatgpt.sign_in("alice")
    browser = chatgpt.signed_in_browser("alice")
    page = browser.get(f"{chatgpt.base_url}/accounts/apps/")
    assert "Revoke access" in page.text

    demo_gpt = Application.objects.get(client_id="demo-gpt")
    revoked = browser.post(
        f"{chatgpt.base_url}/accounts/apps/{demo_gpt.pk}/revoke/", data=form_fields(page.text), allow_redirects=False
    )

    assert revoked.status_code == 302
    refused = chatgpt.refresh()
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"


# ---------------------------------------------------------------- clients and grants


def test_client_secrets_are_stored_hashed(live_demo):
    stored = Application.objects.get(client_id="demo-gpt").client_secret
    assert stored != "demo-gpt-secret"
    assert identify_hasher(stored) and check_password("demo-gpt-secret", stored)


def test_the_implicit_grant_is_off(chatgpt):
    browser = chatgpt.signed_in_browser("alice")
    response = authorize(chatgpt, browser, response_type="token", state="s3")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "access_token" not in location
    params = query_of(location) or dict(parse_qs(urlsplit(location).fragment))
    assert params["error"] in ("unsupported_response_type", "unauthorized_client")


def test_the_password_grant_is_off(chatgpt):
    response = chatgpt.token_request({"grant_type": "password", "username": "alice", "password": "rolegate-demo"})
    assert response.status_code in (400, 401)
    assert response.json()["error"] in ("unsupported_grant_type", "unauthorized_client")
    assert "access_token" not in response.json()


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"grant_type": "client_credentials"}, 400, "unauthorized_client"),
        (
            {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": "x"},
            400,
            "unsupported_grant_type",
        ),
        ({"grant_type": "made-up"}, 400, "unsupported_grant_type"),
        ({}, 400, "unsupported_grant_type"),
        ({"grant_type": "authorization_code"}, 400, "invalid_request"),
        ({"grant_type": "refresh_token", "refresh_token": "never-issued"}, 400, "invalid_grant"),
    ],
)
def test_token_endpoint_errors_are_standard_oauth_codes(chatgpt, form, status, error):
    response = chatgpt.token_request(form)
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert response.headers["Cache-Control"] == "no-store"


def test_an_unknown_client_gets_invalid_client(chatgpt):
    chatgpt.client_id = "no-such-client"
    response = exchange(chatgpt, "x")
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"response_type": "made-up"}, "unsupported_response_type"),
        ({"code_challenge": "a" * 43, "code_challenge_method": "S512"}, "invalid_request"),
    ],
    ids=["response-type", "pkce-method"],
)
def test_authorization_endpoint_errors_redirect_with_standard_codes_and_state(chatgpt, params, error):
    browser = chatgpt.signed_in_browser("alice")
    response = browser.get(chatgpt.authorization_url(state="s5", **params), allow_redirects=False)
    assert response.status_code == 302
    returned = query_of(response.headers["Location"])
    assert returned["error"] == error and returned["state"] == "s5" and "code" not in returned


def test_an_unknown_client_at_the_authorization_endpoint_is_not_redirected(chatgpt):
    browser = chatgpt.signed_in_browser("alice")
    chatgpt.client_id = "no-such-client"
    response = browser.get(chatgpt.authorization_url(), allow_redirects=False)
    assert response.status_code == 400 and "Location" not in response.headers


def test_an_unknown_scope_is_an_invalid_scope_redirect(chatgpt):
    browser = chatgpt.signed_in_browser("alice")
    response = browser.get(chatgpt.authorization_url(scope="api admin:everything", state="s4"), allow_redirects=False)
    params = query_of(response.headers["Location"])
    assert params["error"] == "invalid_scope" and params["state"] == "s4"
