"""
What one grant costs the database: the token endpoint is the hot path (every ChatGPT user refreshes
every 15 minutes), so its statement count is pinned; a change that adds a query per grant shows here.
Counts include transaction control (BEGIN, COMMIT, SAVEPOINT), as PostgreSQL sees them.
"""

import datetime as dt
import hashlib
import secrets
import uuid

import jwt
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_grant_model

from actions_api.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, seed_demo_connection
from roles.models import Role
from roles.services import role_assign

pytestmark = pytest.mark.django_db(transaction=True)

CALLBACK = "https://chatgpt.com/aip/g-Demo1234/oauth/callback"
#: Client, refresh token, its user and connection; absolute lifetime and federated sign-in checks;
#: how the sign-in authenticated (amr, 1); claims (3); the ID token (3); DOT's rotation: lock, revoke,
#: re-issue (11); audit (4).
REFRESH_GRANT_STATEMENTS = 30
#: Code lookups by DOT (6), client and user; claims (3); the ID token (3); the token pair (5); the code's
#: deletion (3) and redemption record; how the sign-in authenticated (amr: read, keyed to the token family: 2);
#: audit (4).
CODE_EXCHANGE_STATEMENTS = 29


@pytest.fixture
def token_client():
    seed_demo_connection()
    user = get_user_model().objects.create_user("query-counter", email="counter@example.test")
    role = Role.objects.create(slug="sales-emea", name="Sales EMEA")
    role_assign(role=role, user=user)
    return TokenClient(user)


class TokenClient:
    """Code exchanges and refresh grants through Django's full stack, in this thread (queries are counted)."""

    def __init__(self, user):
        self.user, self.http = user, Client()

    def new_code(self) -> str:
        """An authorization code as the consent page would have issued it."""
        code = secrets.token_urlsafe(30)
        get_grant_model().objects.create(
            user=self.user,
            application=seed_demo_connection(),
            code=code,
            redirect_uri=CALLBACK,
            expires=timezone.now() + dt.timedelta(minutes=5),
            scope="openid profile api",
        )
        return code

    def exchange(self, code: str | None = None) -> dict:
        code = code or self.new_code()
        return self.token({"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK})

    def refresh(self, refresh_token: str) -> dict:
        return self.token({"grant_type": "refresh_token", "refresh_token": refresh_token})

    def token(self, form: dict) -> dict:
        credentials = {"client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET}
        response = self.http.post("/o/token/", {**form, **credentials})
        assert response.status_code == 200, response.content
        return response.json()


def test_a_refresh_grant_runs_a_fixed_number_of_statements(token_client, django_assert_num_queries):
    refresh_token = token_client.refresh(token_client.exchange()["refresh_token"])["refresh_token"]

    with django_assert_num_queries(REFRESH_GRANT_STATEMENTS):
        issued = token_client.refresh(refresh_token)

    assert jwt.decode(issued["access_token"], options={"verify_signature": False})["roles"] == ["sales-emea"]
    assert_linked_to_its_id_token(issued)


def test_a_code_exchange_runs_a_fixed_number_of_statements(token_client, django_assert_num_queries):
    token_client.exchange()  # the first of the minute also records the client's sign-in and prunes redemptions
    code = token_client.new_code()

    with django_assert_num_queries(CODE_EXCHANGE_STATEMENTS):
        issued = token_client.exchange(code)

    assert jwt.decode(issued["access_token"], options={"verify_signature": False})["roles"] == ["sales-emea"]
    assert_linked_to_its_id_token(issued)


def assert_linked_to_its_id_token(issued: dict) -> None:
    """The access token's row points at the ID token issued with it (logout and revocation follow that link)."""
    checksum = hashlib.sha256(issued["access_token"].encode()).hexdigest()
    row = get_access_token_model().objects.select_related("id_token").get(token_checksum=checksum)
    assert row.id_token.jti == uuid.UUID(jwt.decode(issued["id_token"], options={"verify_signature": False})["jti"])
