"""What a token request answers and costs: the user's claims are computed once for the access token and the ID token."""

from unittest import mock

import jwt
import pytest

from roles import claims

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def role_lookups():
    """Counts every time any code resolves the roles a user holds (the start of computing claims)."""
    with mock.patch.object(claims, "resolve_access", wraps=claims.resolve_access) as resolve_access:
        yield resolve_access


@pytest.mark.parametrize("grant", ["authorization_code", "refresh_token"])
def test_a_grant_computes_the_users_claims_once_for_both_tokens(chatgpt, role_lookups, rolegate, grant):
    rolegate(ID_TOKEN_ON_REFRESH=True)
    params = chatgpt.authorize("alice", "rolegate-demo", scope="openid profile api")
    form = {"grant_type": "authorization_code", "code": params["code"], "redirect_uri": chatgpt.callback}
    if grant == "refresh_token":
        form = {"grant_type": "refresh_token", "refresh_token": chatgpt.token_request(form).json()["refresh_token"]}
    role_lookups.reset_mock()

    response = chatgpt.token_request(form)

    assert response.status_code == 200, response.text
    assert role_lookups.call_count == 1
    issued = response.json()
    access = jwt.decode(issued["access_token"], options={"verify_signature": False})
    identity = jwt.decode(issued["id_token"], options={"verify_signature": False})
    assert access["roles"] == ["sales-emea"]
    assert identity["sub"] == access["sub"] and identity["preferred_username"] == "alice"


def refreshed(chatgpt) -> dict:
    """The answer to a refresh grant of a sign-in with `openid` in its scope."""
    params = chatgpt.authorize("alice", "rolegate-demo", scope="openid profile api")
    form = {"grant_type": "authorization_code", "code": params["code"], "redirect_uri": chatgpt.callback}
    first = chatgpt.token_request(form).json()
    assert "id_token" in first  # the sign-in itself always has one
    response = chatgpt.token_request({"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_refresh_grant_answers_without_an_id_token_by_default(chatgpt):
    issued = refreshed(chatgpt)

    assert "id_token" not in issued
    assert jwt.decode(issued["access_token"], options={"verify_signature": False})["roles"] == ["sales-emea"]
    assert issued["refresh_token"] and issued["scope"] == "openid profile api"


def test_a_refresh_grant_answers_with_a_fresh_id_token_when_configured(chatgpt, rolegate):
    rolegate(ID_TOKEN_ON_REFRESH=True)

    issued = refreshed(chatgpt)

    identity = jwt.decode(issued["id_token"], options={"verify_signature": False})
    access = jwt.decode(issued["access_token"], options={"verify_signature": False})
    assert identity["sub"] == access["sub"] and identity["preferred_username"] == "alice"
