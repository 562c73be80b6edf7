"""Introspection, revocation and userinfo: the endpoints a resource server or client uses after sign-in."""

import pytest
import requests

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
