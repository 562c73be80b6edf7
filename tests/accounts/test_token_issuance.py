"""What a token request costs: the user's claims are computed once for the access token and the ID token."""

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
def test_a_grant_computes_the_users_claims_once_for_both_tokens(chatgpt, role_lookups, grant):
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
