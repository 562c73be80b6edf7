"""
Refresh-token rotation as Rolegate does it (one conditional UPDATE instead of DOT's locking reads):
two requests presenting the same refresh token never both get tokens.
"""

from unittest import mock

import pytest
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from accounts.oauth_validators import RolegateOAuth2Validator

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

    with rotated_elsewhere_after_validation():
        response = token_client.post({"grant_type": "refresh_token", "refresh_token": refresh_token})

    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert RefreshToken.objects.filter(revoked__isnull=True).count() == live_before - 1  # nothing issued
    assert get_access_token_model().objects.count() == access_tokens_before


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
