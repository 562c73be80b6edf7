"""
Refresh-token rotation as Rolegate does it (one conditional UPDATE instead of DOT's locking reads):
two requests presenting the same refresh token never both get tokens.
"""

import datetime as dt
import hashlib
import re
from unittest import mock

import pytest
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from accounts.oauth_validators import RolegateOAuth2Validator
from actions_api.demo import seed_connection, seed_demo_connection
from roles.audit.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)
RefreshToken = get_refresh_token_model()


def rotated_elsewhere_after_validation():
    """The presented refresh token is revoked, as by a concurrent rotation, once this request has validated it."""
    validate = RolegateOAuth2Validator.validate_refresh_token

    def validate_then_lose_the_race(self, refresh_token, client, request, *args, **kwargs):
        valid = validate(self, refresh_token, client, request, *args, **kwargs)
        RefreshToken.objects.filter(pk=request.refresh_token_instance.pk).update(revoked=timezone.now())
        return valid

    return mock.patch.object(RolegateOAuth2Validator, "validate_refresh_token", validate_then_lose_the_race)


def test_a_refresh_token_rotated_by_a_concurrent_request_gets_invalid_grant_and_no_tokens(token_client):
    refresh_token = token_client.exchange()["refresh_token"]
    live_before = RefreshToken.objects.filter(revoked__isnull=True).count()
    access_tokens_before = get_access_token_model().objects.count()
    events_before = AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_ISSUED).count()

    with rotated_elsewhere_after_validation():
        response = token_client.post({"grant_type": "refresh_token", "refresh_token": refresh_token})

    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert RefreshToken.objects.filter(revoked__isnull=True).count() == live_before - 1  # nothing issued
    assert get_access_token_model().objects.count() == access_tokens_before
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_ISSUED).count() == events_before


def test_rotation_revokes_the_presented_token_and_deletes_its_access_token(token_client):
    first = token_client.exchange()
    presented = RefreshToken.objects.get(revoked__isnull=True)
    old_access_token_id = presented.access_token_id

    second = token_client.refresh(first["refresh_token"])

    presented.refresh_from_db()
    assert presented.revoked is not None and presented.access_token_id is None
    assert not get_access_token_model().objects.filter(pk=old_access_token_id).exists()
    successor = RefreshToken.objects.get(revoked__isnull=True)
    assert successor.token_family == presented.token_family
    assert successor.access_token.source_refresh_token_id == presented.pk
    assert second["refresh_token"] != first["refresh_token"]


def test_the_rotated_pair_is_stored_as_dot_stores_it_with_one_audit_event(token_client):
    """The pair and its audit event are written in one statement (accounts.token_rotation), not by DOT's ORM saves."""
    first = token_client.exchange()
    token_client.http.defaults["HTTP_USER_AGENT"] = "rotation-test/1.0"

    second = token_client.refresh(first["refresh_token"])

    access_token = get_access_token_model().objects.get(token_checksum=_checksum(second["access_token"]))
    refresh_token = RefreshToken.objects.get(token_checksum=_checksum(second["refresh_token"]))
    assert refresh_token.access_token_id == access_token.pk and refresh_token.revoked is None
    assert access_token.token == refresh_token.token == ""  # redacted at rest (RFC 9700 token storage), as DOT does
    assert (access_token.user, refresh_token.user) == (token_client.user, token_client.user)
    assert access_token.application_id == refresh_token.application_id == seed_demo_connection().pk
    assert access_token.scope == "openid profile api" and access_token.expires > timezone.now()
    assert access_token.created is not None and refresh_token.created is not None
    event = AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_ISSUED).latest("id")
    assert (event.actor, event.target_label, event.target_id) == (
        token_client.user,
        "Demo GPT",
        str(access_token.application_id),
    )
    assert event.details == {
        "grant_type": "refresh_token",
        "scope": "openid profile api",
        "expires": access_token.expires.isoformat(),
        "ip": "127.0.0.1",
        "user_agent": "rotation-test/1.0",
    }
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_ISSUED).count() == 2  # the exchange's and this


def test_refresh_tokens_are_256_random_bits_never_jwts(token_client):
    first = token_client.exchange()["refresh_token"]
    second = token_client.refresh(first)["refresh_token"]

    for token in (first, second):
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)  # 32 bytes, URL-safe base64, no dots: not a JWT
    assert first != second


def _checksum(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# A live refresh token is validated on the one row read with its access token and user
# (accounts.selectors.live_refresh_token); these are DOT's checks of a live token, kept there.


def test_a_refresh_token_whose_access_token_is_gone_is_refused(token_client):
    refresh_token = token_client.exchange()["refresh_token"]
    get_access_token_model().objects.all().delete()  # out of band: the refresh token is an orphan

    response = token_client.post({"grant_type": "refresh_token", "refresh_token": refresh_token})

    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_a_refresh_token_past_its_sliding_expiry_is_refused(token_client, settings):
    refresh_token = token_client.exchange()["refresh_token"]
    lifetime = settings.OAUTH2_PROVIDER["REFRESH_TOKEN_EXPIRE_SECONDS"]
    expired = timezone.now() - dt.timedelta(seconds=lifetime + 1)
    get_access_token_model().objects.update(expires=expired)

    response = token_client.post({"grant_type": "refresh_token", "refresh_token": refresh_token})

    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert RefreshToken.objects.filter(revoked__isnull=True).count() == 1  # refused, not rotated


def test_a_refresh_token_presented_by_another_connection_is_refused(token_client):
    refresh_token = token_client.exchange()["refresh_token"]
    other = seed_connection(client_id="other-gpt", client_secret="other-gpt-secret-0123456789", name="Other GPT")

    response = token_client.http.post(
        "/o/token/",
        {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": other.client_id,
            "client_secret": "other-gpt-secret-0123456789",
        },
    )

    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert RefreshToken.objects.filter(revoked__isnull=True).count() == 1
