"""
A token sent again is not parsed again, yet it is refused as soon as a full verification would
refuse it: expired, signed by a retired key, asked for by another audience, or revoked.
"""

import time

import pytest
from django.utils import timezone

from accounts.models import SigningKey, User
from actions_api.keyset import public_keys
from actions_api.token_verification import InvalidAccessToken, verify_access_token
from roles.conf import rolegate_settings
from roles.services import user_access_revoke
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_token_sent_again_is_answered_from_the_memo(mint_token):
    token = mint_token(UserFactory())

    first = verify_access_token(token)

    assert verify_access_token(token) is first  # the very object verified the first time: no second parse


def test_a_memoised_token_is_refused_once_it_expires(mint_token, rolegate):
    rolegate(ACCESS_TOKEN_LEEWAY_SECONDS=0)
    user = UserFactory()
    mint_token(user)  # the signing key is generated and loaded before the clock starts
    expires_at = int(time.time()) + 3  # room for a busy host between minting and the two verifications
    token = mint_token(user, exp=expires_at)
    verify_access_token(token)
    verify_access_token(token)  # memoised

    time.sleep(max(0.0, expires_at - time.time()) + 0.05)

    with pytest.raises(InvalidAccessToken, match="expired"):
        verify_access_token(token)


def test_a_memoised_token_is_refused_once_past_its_expiry_plus_a_shorter_leeway(mint_token, rolegate):
    token = mint_token(UserFactory(), exp=int(time.time()) - 5)  # within the 30 s leeway: accepted
    verify_access_token(token)

    rolegate(ACCESS_TOKEN_LEEWAY_SECONDS=0)

    with pytest.raises(InvalidAccessToken, match="expired"):
        verify_access_token(token)


def test_a_memoised_token_of_a_retired_key_is_refused_once_the_key_set_reloads(mint_token):
    token = mint_token(UserFactory())
    first = verify_access_token(token)
    assert verify_access_token(token) is first  # memoised

    SigningKey.objects.update(retired_at=timezone.now())
    public_keys.reload()  # what every process does once its copy is older than SIGNING_KEYS_CACHE_SECONDS

    with pytest.raises(InvalidAccessToken, match="does not publish"):
        verify_access_token(token)


def test_a_memoised_token_is_refused_for_another_audience(mint_token):
    token = mint_token(UserFactory())
    verify_access_token(token)  # memoised for the REST API's audience

    with pytest.raises(InvalidAccessToken, match="another audience"):
        verify_access_token(token, audience=rolegate_settings.MCP_RESOURCE)
    assert verify_access_token(token).subject  # and still accepted for its own


def test_a_memoised_token_is_refused_for_another_issuer(mint_token, rolegate):
    token = mint_token(UserFactory())
    verify_access_token(token)

    rolegate(PORTAL_BASE_URL="https://moved.example", API_AUDIENCE=rolegate_settings.API_AUDIENCE)

    with pytest.raises(InvalidAccessToken, match="another server"):
        verify_access_token(token)


def test_revocation_cuts_off_a_memoised_token(mint_token, bearer, django_capture_on_commit_callbacks, rolegate):
    rolegate(ACCESS_REVOCATION_REFRESH_SECONDS=0)
    user = UserFactory()
    client = bearer(mint_token(user))
    assert client.get("/api/v1/me").status_code == 200
    assert client.get("/api/v1/me").status_code == 200  # memoised

    with django_capture_on_commit_callbacks(execute=True):
        user_access_revoke(users=User.objects.filter(pk=user.pk), reason="test")

    refused = client.get("/api/v1/me")
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]


def test_the_memo_keeps_at_most_its_size(mint_token, rolegate):
    rolegate(ACCESS_TOKEN_MEMO_SIZE=2)
    user = UserFactory()
    tokens = [mint_token(user, jti=f"memo-{number}") for number in range(3)]
    verified = [verify_access_token(token) for token in tokens]

    assert verify_access_token(tokens[2]) is verified[2]
    assert verify_access_token(tokens[0]) is not verified[0]  # the least recently used went first
