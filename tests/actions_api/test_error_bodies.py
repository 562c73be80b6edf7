"""Every refusal names its cause and the fix, as a problem+json body with the RFC 6750 header."""

import time

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db


def user(username):
    return get_user_model().objects.get(username=username)


def test_no_authorization_header_says_to_set_oauth_in_the_gpt_editor(demo, api_client):
    response = api_client.get("/api/v1/orders")
    assert response.status_code == 401 and response["Content-Type"] == "application/problem+json"
    assert response.json()["error"] == "invalid_request"
    assert "Authentication to OAuth" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith('Bearer realm="rolegate", error="invalid_request"')


@pytest.mark.parametrize(
    ("overrides", "cause", "fix"),
    [
        ({"exp": int(time.time()) - 3600}, "has expired", "Refresh it or sign in again"),
        ({"aud": "https://other.example/api"}, "another audience", "accepts only 'http://127.0.0.1:8000/api'"),
    ],
)
def test_a_bad_token_says_what_is_wrong_and_what_to_do(demo, mint_token, bearer, overrides, cause, fix):
    response = bearer(mint_token(user("alice"), **overrides)).get("/api/v1/orders")
    body = response.json()
    assert response.status_code == 401 and body["error"] == "invalid_token"
    assert cause in body["detail"] and fix in body["detail"]
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_a_missing_permission_names_the_permission_and_who_can_grant_it(demo, mint_token, bearer):
    response = bearer(mint_token(user("dave"))).get("/api/v1/orders")
    body = response.json()
    assert response.status_code == 403 and body["error"] == "insufficient_permission"
    assert "'orders.read'" in body["detail"] and "administrator" in body["detail"]


def test_a_token_without_the_api_scope_says_how_to_get_it(demo, mint_token, bearer):
    response = bearer(mint_token(user("alice"), scopes=("openid",))).get("/api/v1/me")
    assert response.status_code == 403 and response.json()["error"] == "insufficient_scope"
    assert "leave Scope empty" in response.json()["detail"]
