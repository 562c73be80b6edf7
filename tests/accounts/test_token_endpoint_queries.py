"""
What one grant costs the database: the token endpoint is the hot path (every ChatGPT user refreshes
every 15 minutes), so its statement count is pinned; a change that adds a query per grant shows here.
Counts include transaction control (BEGIN, COMMIT, SAVEPOINT), as PostgreSQL sees them: a BEGIN and
COMMIT that Django logs around no statement (an atomic block that wrote nothing) never reach it.
"""

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import jwt
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from oauth2_provider.models import get_access_token_model

pytestmark = pytest.mark.django_db(transaction=True)

#: Client (1); the live refresh token with its access token, user, absolute-lifetime, amr and federated facts (1);
#: claims (1); rotation in one statement: revoke the presented token if still live, delete its access token, insert
#: the new pair and the audit event (1, atomic on its own: no BEGIN/COMMIT). No ID token: ID_TOKEN_ON_REFRESH is off.
REFRESH_GRANT_STATEMENTS = 4
#: The code's grant with its user and the sign-in's amr (1, read once), client (1); claims (1); DOT's resource check
#: (1); one statement deleting the code and writing the ID token, the token pair, the redemption record, the amr's
#: binding to the token family and the audit event (1, atomic on its own).
CODE_EXCHANGE_STATEMENTS = 5
#: An ID token: its row is written in the grant's one statement (DOT's transaction around it stays empty).
ID_TOKEN_STATEMENTS = 0


def test_a_refresh_grant_runs_a_fixed_number_of_statements(token_client):
    refresh_token = token_client.refresh(token_client.exchange()["refresh_token"])["refresh_token"]

    with statements_sent(REFRESH_GRANT_STATEMENTS):
        issued = token_client.refresh(refresh_token)

    assert jwt.decode(issued["access_token"], options={"verify_signature": False})["roles"] == ["sales-emea"]
    assert "id_token" not in issued


def test_an_id_token_on_refresh_costs_its_row_alone(token_client, rolegate):
    rolegate(ID_TOKEN_ON_REFRESH=True)
    refresh_token = token_client.exchange()["refresh_token"]

    with statements_sent(REFRESH_GRANT_STATEMENTS + ID_TOKEN_STATEMENTS):
        issued = token_client.refresh(refresh_token)

    assert_linked_to_its_id_token(issued)


def test_a_code_exchange_runs_a_fixed_number_of_statements(token_client):
    token_client.exchange()  # the first of the minute also records the client's sign-in and prunes redemptions
    code = token_client.new_code()

    with statements_sent(CODE_EXCHANGE_STATEMENTS):
        issued = token_client.exchange(code)

    assert jwt.decode(issued["access_token"], options={"verify_signature": False})["roles"] == ["sales-emea"]
    assert_linked_to_its_id_token(issued)


@contextmanager
def statements_sent(expected: int) -> Iterator[None]:
    """Exactly `expected` statements reach PostgreSQL in the block (an empty BEGIN/COMMIT pair sends nothing)."""
    with CaptureQueriesContext(connection) as captured:
        yield
    logged = [query["sql"] for query in captured.captured_queries]
    sent = [sql for index, sql in enumerate(logged) if not _empty_transaction(logged, index)]
    assert len(sent) == expected, "\n".join(sent)


def _empty_transaction(logged: list[str], index: int) -> bool:
    pair = ("BEGIN", "COMMIT")
    return tuple(logged[index : index + 2]) == pair or (index > 0 and tuple(logged[index - 1 : index + 1]) == pair)


def assert_linked_to_its_id_token(issued: dict) -> None:
    """The access token's row points at the ID token issued with it (logout and revocation follow that link)."""
    checksum = hashlib.sha256(issued["access_token"].encode()).hexdigest()
    row = get_access_token_model().objects.select_related("id_token").get(token_checksum=checksum)
    assert row.id_token.jti == uuid.UUID(jwt.decode(issued["id_token"], options={"verify_signature": False})["jti"])
