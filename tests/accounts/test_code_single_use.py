"""
A code is redeemed once: its grant row is deleted in the same statement that writes the tokens
(accounts.token_writes), so of two requests redeeming it at once the second gets nothing, and its
replay revokes what the first was issued.
"""

from unittest import mock

import pytest
from oauth2_provider.models import get_access_token_model, get_grant_model, get_refresh_token_model

from accounts.models import AuthorizationCodeRedemption, code_checksum
from accounts.oauth_validators import RolegateOAuth2Validator
from roles.audit.models import AuditEvent
from tests.accounts.conftest import CALLBACK

pytestmark = pytest.mark.django_db(transaction=True)


def redeemed_elsewhere_after_validation(token_client):
    """Once this request has validated its code, another request redeems the same code to the end."""
    validate = RolegateOAuth2Validator.validate_code
    raced: list = []

    def validate_then_lose_the_race(self, client_id, code, client, request, *args, **kwargs):
        valid = validate(self, client_id, code, client, request, *args, **kwargs)
        if not raced:
            raced.append(None)  # the other request validates without racing in turn
            raced[0] = token_client.exchange(code)
        return valid

    return mock.patch.object(RolegateOAuth2Validator, "validate_code", validate_then_lose_the_race), raced


def test_a_code_redeemed_by_a_concurrent_request_gets_invalid_grant_and_revokes_the_first_requests_tokens(
    token_client,
):
    code = token_client.new_code()
    patch, raced = redeemed_elsewhere_after_validation(token_client)

    with patch:
        response = token_client.post({"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK})

    assert len(raced) == 1 and "refresh_token" in raced[0]  # the other request was issued tokens
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert not get_grant_model().objects.filter(code=code).exists()
    assert not get_refresh_token_model().objects.filter(revoked__isnull=True).exists()  # the first's family, revoked
    assert not get_access_token_model().objects.exists()
    assert AuthorizationCodeRedemption.objects.filter(code_checksum=code_checksum(code)).count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_ISSUED).count() == 1  # the first's alone


def test_a_code_exchange_records_its_redemption_with_the_family_it_issued(token_client):
    code = token_client.new_code()

    issued = token_client.exchange(code)

    refresh_token = get_refresh_token_model().objects.get(revoked__isnull=True)
    redemption = AuthorizationCodeRedemption.objects.get(code_checksum=code_checksum(code))
    assert (
        redemption.token_family == refresh_token.token_family
        and redemption.application_id == refresh_token.application_id
    )
    assert refresh_token.access_token.scope == "openid profile api" and "access_token" in issued
    event = AuditEvent.objects.get(action=AuditEvent.Action.TOKEN_ISSUED)
    assert event.details["grant_type"] == "authorization_code" and event.actor == token_client.user
