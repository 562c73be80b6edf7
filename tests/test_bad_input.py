"""Hostile or malformed input anywhere gets a clear 4xx, never a 500 (found by probing every endpoint)."""

from urllib.parse import urlencode

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

GPT = {"client_id": "demo-gpt", "client_secret": "demo-gpt-secret"}
CALLBACK = "https://chatgpt.com/aip/g-x/oauth/callback"

# (method, path, form data or raw JSON body, expected status)
CASES = [
    ("get", "/o/authorize/", {"client_id": "\x00"}, 400),
    ("get", "/o/authorize/", {"response_type": "code", "client_id": "demo\x00", "redirect_uri": CALLBACK}, 400),
    ("post", "/o/token/", {"grant_type": "authorization_code", "code": "\x00", **GPT}, 400),
    ("post", "/o/token/", {"grant_type": "refresh_token", "refresh_token": "a\x00", **GPT}, 400),
    (
        "post",
        "/o/token/",
        {"grant_type": "refresh_token", "refresh_token": "a", "client_id": "demo\x00", "client_secret": "x"},
        400,
    ),
    ("post", "/o/revoke_token/", {"token": "\x00", **GPT}, 400),
    (
        "post",
        "/o/register/",
        '{"redirect_uris": ["https://claude.ai/api/mcp/auth_callback"], "client_name": "a\\u0000"}',
        400,
    ),
    ("post", "/o/register/", {"redirect_uris": "x"}, 400),
    ("get", "/accounts/apps/%00/revoke/", {}, 400),
    ("get", "/api/v1/orders", {"page": "\x00"}, 400),
    ("post", "/accounts/login/", {"username": "a" * 10000, "password": "wrong"}, 200),
    ("post", "/admin/login/", {"username": "a" * 10000, "password": "wrong"}, 200),
    ("post", "/accounts/login/", {"username": "ali\x00ce", "password": "wrong"}, 400),
]


@pytest.mark.parametrize("method, path, data, expected", CASES)
def test_bad_input_gets_a_clear_client_error(demo, method, path, data, expected):
    client = Client(raise_request_exception=False)
    if isinstance(data, str):
        response = client.post(path, data, content_type="application/json")
    elif method == "post" and path.startswith("/o/"):  # as OAuth clients send it
        response = client.post(path, urlencode(data), content_type="application/x-www-form-urlencoded")
    elif method == "post":
        response = client.post(path, data)
    else:
        response = client.get(path, data)

    assert response.status_code == expected, response.content[:300]


def test_an_oauth_endpoint_names_the_nul_byte_as_a_standard_oauth_error(demo):
    response = Client().post("/o/token/", {"grant_type": "authorization_code", "code": "\x00", **GPT})
    assert response.json()["error"] == "invalid_request"
    assert "NUL" in response.json()["error_description"]


def test_an_api_request_with_a_nul_byte_gets_a_problem_document(demo):
    response = Client().get("/api/v1/orders", {"page": "\x00"})
    assert response["Content-Type"] == "application/problem+json"


def test_an_over_long_username_is_a_failed_sign_in_that_still_counts_toward_the_lockout(demo):
    from axes.models import AccessAttempt

    Client().post("/accounts/login/", {"username": "a" * 10000, "password": "wrong"})

    assert AccessAttempt.objects.get().username == "a" * 150
