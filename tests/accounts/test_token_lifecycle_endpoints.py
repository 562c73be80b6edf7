"""Revocation and userinfo after sign-in (introspection: tests/accounts/test_introspection.py)."""

import pytest
import requests

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_revoked_refresh_token_cannot_be_used(chatgpt, live_demo):
    tokens = chatgpt.sign_in("alice")

    revoked = requests.post(
        f"{live_demo.url}/o/revoke_token/",
        data={"token": tokens["refresh_token"], "token_type_hint": "refresh_token"},
        auth=("demo-gpt", "demo-gpt-secret"),
    )

    assert revoked.status_code == 200
    assert chatgpt.refresh().json()["error"] == "invalid_grant"


def test_userinfo_answers_with_the_users_profile_and_roles(chatgpt, live_demo):
    access_token = chatgpt.sign_in("carol")["access_token"]

    response = requests.get(f"{live_demo.url}/o/userinfo/", headers={"Authorization": f"Bearer {access_token}"})

    body = response.json()
    assert body["preferred_username"] == "carol" and body["roles"] == ["finance"]
