"""The API's revocation check: refused after a revocation, and no query on the normal path."""

import pytest

from accounts.models import User
from accounts.services import connection_access_revoke
from actions_api.revocation_list import RevocationList, revocations
from actions_api.token_verification import verify_access_token
from roles.services import user_access_revoke
from tests.factories import ConnectionFactory, RoleAssignmentFactory, UserFactory
from tests.servers import wait_for_the_next_whole_second

pytestmark = pytest.mark.django_db


def test_a_token_issued_before_the_users_revocation_is_refused_and_others_are_not(
    mint_token, bearer, django_capture_on_commit_callbacks
):
    alice, bob = UserFactory(), UserFactory()
    alice_token, bob_token = mint_token(alice), mint_token(bob)

    with django_capture_on_commit_callbacks(execute=True):
        user_access_revoke(users=User.objects.filter(pk=alice.pk), reason="test")
    revocations.reload()  # what every process does within ACCESS_REVOCATION_REFRESH_SECONDS

    refused = bearer(alice_token).get("/api/v1/me")
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith('Bearer realm="rolegate", error="invalid_token"')
    assert bearer(bob_token).get("/api/v1/me").status_code == 200


def test_the_normal_request_path_makes_no_query(mint_token, bearer, assert_no_query_but_the_call_log):
    user = UserFactory()
    RoleAssignmentFactory(user=user, role__permissions=["orders.read"], role__scopes={"region": ["EMEA"]})
    client = bearer(mint_token(user))
    assert client.get("/api/v1/me").status_code == 200  # loads the keys and the revocation list once

    with assert_no_query_but_the_call_log():
        assert client.get("/api/v1/me").status_code == 200


def test_another_process_reloads_from_the_database_only_when_the_shared_version_changes(
    mint_token, django_capture_on_commit_callbacks, django_assert_num_queries, rolegate
):
    rolegate(ACCESS_REVOCATION_REFRESH_SECONDS=0)  # compare the version on every check
    user = UserFactory()
    token = verify_access_token(mint_token(user))
    another_process = RevocationList()
    assert not another_process.is_revoked(token)  # first check: loads the list
    with django_assert_num_queries(0):
        assert not another_process.is_revoked(token)  # same version: no query

    with django_capture_on_commit_callbacks(execute=True):
        user_access_revoke(users=User.objects.filter(pk=user.pk), reason="test")

    with django_assert_num_queries(1):
        assert another_process.is_revoked(token)  # new version: one query


def test_revoking_one_connection_refuses_its_tokens_but_not_the_users_other_connections(
    mint_token, bearer, django_capture_on_commit_callbacks
):
    user = UserFactory()
    revoked, other = ConnectionFactory(), ConnectionFactory()
    revoked_token, other_token = mint_token(user, connection=revoked), mint_token(user, connection=other)

    with django_capture_on_commit_callbacks(execute=True):
        connection_access_revoke(user=user, client_id=revoked.client_id)
    revocations.clear()

    refused = bearer(revoked_token).get("/api/v1/me")
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    assert bearer(other_token).get("/api/v1/me").status_code == 200
    wait_for_the_next_whole_second()  # tokens issued in the revocation's second are refused too
    assert bearer(mint_token(user, connection=revoked)).get("/api/v1/me").status_code == 200  # signs in again
