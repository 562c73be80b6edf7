"""Revocation, introspection, userinfo, consent refusal and PKCE, over real HTTP."""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.chatgpt import ChatGPT, form_fields
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_introspection_reports_a_live_token_and_its_user(chatgpt, live_demo):
    access_token = chatgpt.sign_in("alice")["access_token"]

    response = requests.post(f"{live_demo.url}/o/introspect/", data={"token": access_token},
                             auth=("demo-gpt", "demo-gpt-secret"))

    body = response.json()
    assert body["active"] is True and body["client_id"] == "demo-gpt" and body["username"] == "alice"


def test_introspection_needs_client_credentials(chatgpt, live_demo):
    access_token = chatgpt.sign_in("alice")["access_token"]
    response = requests.post(f"{live_demo.url}/o/introspect/", data={"token": access_token})
    assert response.status_code in (401, 403)


def test_a_revoked_refresh_token_cannot_be_used(chatgpt, live_demo):
    tokens = chatgpt.sign_in("alice")

    revoked = requests.post(f"{live_demo.url}/o/revoke_token/",
                            data={"token": tokens["refresh_token"], "token_type_hint": "refresh_token"},
                            auth=("demo-gpt", "demo-gpt-secret"))

    assert revoked.status_code == 200
    assert chatgpt.refresh().json()["error"] == "invalid_grant"


def test_userinfo_answers_with_the_users_profile_and_roles(chatgpt, live_demo):
    access_token = chatgpt.sign_in("carol")["access_token"]

    response = requests.get(f"{live_demo.url}/o/userinfo/", headers={"Authorization": f"Bearer {access_token}"})

    body = response.json()
    assert body["preferred_username"] == "carol" and body["roles"] == ["finance"]


def test_a_user_who_cancels_consent_sends_access_denied_to_the_callback(chatgpt):
    browser = chatgpt.signed_in_browser("alice")
    consent = browser.get(chatgpt.authorization_url(state="keep-me"))
    assert "Allow" in consent.text and "Demo GPT" in consent.text

    response = browser.post(consent.url, data=form_fields(consent.text), allow_redirects=False)

    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert response.headers["Location"].startswith(chatgpt.callback)
    assert query["error"] == ["access_denied"] and query["state"] == ["keep-me"]


@pytest.fixture
def public_client(live_demo):
    return ApplicationFactory(
        client_id="native-app", client_type="public", client_secret="", redirect_uris="https://app.example.test/cb",
        skip_authorization=True,
    )


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def test_a_public_client_must_use_pkce(live_demo, public_client):
    client = ChatGPT(live_demo.url, client_id="native-app", client_secret="", callback="https://app.example.test/cb")
    browser = client.signed_in_browser("alice")

    response = browser.get(client.authorization_url(), allow_redirects=False)

    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["error"] == ["invalid_request"]
    assert "code challenge" in query["error_description"][0].lower()


def test_a_public_client_with_pkce_s256_gets_tokens_and_plain_is_refused(live_demo, public_client):
    client = ChatGPT(live_demo.url, client_id="native-app", client_secret="", callback="https://app.example.test/cb")
    browser = client.signed_in_browser("alice")
    verifier, challenge = pkce_pair()

    plain = browser.get(client.authorization_url(code_challenge=verifier, code_challenge_method="plain"),
                        allow_redirects=False)
    assert "error=" in plain.headers["Location"]

    response = browser.get(client.authorization_url(code_challenge=challenge, code_challenge_method="S256"),
                           allow_redirects=False)
    code = parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]
    exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": client.callback,
                "client_id": "native-app"}

    assert requests.post(f"{live_demo.url}/o/token/", data=exchange).json()["error"] == "invalid_request"
    tokens = requests.post(f"{live_demo.url}/o/token/", data={**exchange, "code_verifier": verifier})
    assert tokens.status_code == 200 and tokens.json()["access_token"]
