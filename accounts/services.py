"""Business steps on a user's OAuth grants."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import get_application_model, get_refresh_token_model

from accounts.models import AuthorizationCodeRedemption, code_checksum

Application = get_application_model()
RefreshToken = get_refresh_token_model()


def connected_apps(*, user):
    """Applications holding a live (unrevoked) refresh token of `user`."""
    return (
        Application.objects.filter(refreshtoken__user=user, refreshtoken__revoked__isnull=True)
        .distinct()
        .order_by("name")
    )


@transaction.atomic
def app_access_revoke(*, user, client_id: str) -> int:
    """Revokes every refresh token (and its access token) `user` granted to the app; returns how many."""
    tokens = RefreshToken.objects.filter(user=user, application__client_id=client_id, revoked__isnull=True)
    count = 0
    for token in tokens.select_for_update():
        token.revoke()
        count += 1
    return count


def authorization_code_redeem(*, code: str, application, token_family: uuid.UUID | None) -> None:
    """
    Remembers that `code` was exchanged for the refresh-token family `token_family`, so that a
    replay can revoke it; forgets redemptions whose family has expired in any case.
    """
    now = timezone.now()
    AuthorizationCodeRedemption.objects.stale(
        now=now, keep_for=dt.timedelta(seconds=settings.REFRESH_TOKEN_TTL_SECONDS)
    ).delete()
    AuthorizationCodeRedemption.objects.create(
        code_checksum=code_checksum(code), application=application, token_family=token_family, redeemed_at=now
    )


def authorization_code_replay(*, code: str, application) -> bool:
    """
    Called when `code` no longer validates: if it was redeemed before, it leaked, and every
    token issued from it (the whole refresh-token family) is revoked. Returns whether it was a replay.
    """
    redemption = AuthorizationCodeRedemption.objects.for_code(code=code, application=application)
    if redemption is None:
        return False
    RefreshToken.revoke_family(redemption.token_family)
    return True
