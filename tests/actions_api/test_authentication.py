"""The API trusts only a valid access token of this portal, and says why when it refuses one."""

import time

import jwt
import pytest

from accounts.models import SigningKey
from actions_api.keyset import public_keys
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(demo, django_user_model):
    return django_user_model.objects.get(username="alice")


def assert_bearer_challenge(response, error: str):
    assert response.status_code == 401
    challenge = response["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert f'error="{error}"' in challenge and 'error_description="' in challenge
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 401 and body["error"] == error and body["detail"]


def test_a_request_without_a_token_gets_401_with_a_bearer_challenge(api_client, demo):
    response = api_client.get("/api/v1/me")
    assert_bearer_challenge(response, "invalid_request")
    assert "Authorization: Bearer" in response.json()["detail"]


@pytest.mark.parametrize("header", ["Basic YWxpY2U6c2VjcmV0", "Bearer", "Bearer a b", "Token abc"])
def test_a_malformed_authorization_header_gets_401(api_client, demo, header):
    response = api_client.get("/api/v1/me", HTTP_AUTHORIZATION=header)
    assert_bearer_challenge(response, "invalid_request")


@pytest.mark.parametrize(
    "token, reason",
    [
        ("not-a-jwt", "not a JWT"),
        ("a.b.c", "not a JWT"),
        ("x" * 9000, "longer than"),
        ("é", "malformed"),
    ],
)
def test_garbage_tokens_get_401_never_500(bearer, demo, token, reason):
    response = bearer(token).get("/api/v1/orders")
    assert_bearer_challenge(response, "invalid_token")
    assert reason in response.json()["detail"]


@pytest.mark.parametrize(
    "overrides, reason",
    [
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"aud": "demo-gpt"}, "another audience"),
        ({"aud": "https://other.example/api"}, "another audience"),
        ({"iss": "https://evil.example"}, "another server"),
        ({"nbf": int(time.time()) + 3600}, "not valid yet"),
        ({"iat": int(time.time()) + 3600}, "not valid yet"),
        ({"jti": None}, "'jti'"),
        ({"roles": "admin"}, "malformed"),
        ({"data_scopes": {"region": "EMEA"}}, "lists of strings"),
        ({"sub": 42}, "malformed"),
    ],
)
def test_tokens_with_bad_claims_are_refused(bearer, mint_token, alice, overrides, reason):
    response = bearer(mint_token(alice, **overrides)).get("/api/v1/me")
    assert_bearer_challenge(response, "invalid_token")
    assert reason in response.json()["detail"]


def test_a_token_signed_by_another_key_is_refused(bearer, mint_token, alice):
    token = mint_token(alice)
    header, payload = jwt.get_unverified_header(token), jwt.decode(token, options={"verify_signature": False})
    foreign_key = SigningKey.objects.generate()
    forged = jwt.encode(payload, foreign_key.private_key_pem, algorithm="RS256", headers=header)
    foreign_key.delete()
    public_keys.clear()

    response = bearer(forged).get("/api/v1/me")

    assert_bearer_challenge(response, "invalid_token")
    assert "signature" in response.json()["detail"]


def test_an_id_token_is_not_an_access_token(bearer, mint_token, alice):
    token = mint_token(alice)
    key = SigningKey.objects.active()
    payload = jwt.decode(token, options={"verify_signature": False})
    id_token = jwt.encode(payload, key.private_key_pem, algorithm="RS256", headers={"kid": key.kid, "typ": "JWT"})

    response = bearer(id_token).get("/api/v1/me")

    assert_bearer_challenge(response, "invalid_token")
    assert "not an access token" in response.json()["detail"]


def test_a_valid_token_is_verified_without_any_database_query(
    bearer, mint_token, alice, assert_no_query_but_the_call_log
):
    client = bearer(mint_token(alice))
    assert client.get("/api/v1/me").status_code == 200  # warms the in-process key cache

    with assert_no_query_but_the_call_log():
        response = client.get("/api/v1/me")

    assert response.status_code == 200


def test_me_returns_the_claims_exactly_as_read_from_the_token(bearer, mint_token, alice):
    body = bearer(mint_token(alice)).get("/api/v1/me").json()
    assert body["sub"] == str(alice.pk)
    assert body["preferred_username"] == "alice"
    assert body["roles"] == ["sales-emea"]
    assert body["permissions"] == ["customers.read", "orders.read"]
    assert body["data_scopes"] == {"region": ["EMEA"]}


def test_a_token_without_the_api_scope_gets_403_insufficient_scope(bearer, mint_token, alice):
    response = bearer(mint_token(alice, scopes=["openid", "profile"])).get("/api/v1/orders")
    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"
    assert 'error="insufficient_scope"' in response["WWW-Authenticate"]


def test_a_user_without_roles_gets_403_naming_the_missing_permission(bearer, mint_token, db):
    response = bearer(mint_token(UserFactory())).get("/api/v1/orders")
    assert response.status_code == 403
    body = response.json()
    assert body["error"] == "insufficient_permission"
    assert "orders.read" in body["detail"]
