"""Business steps on a user's OAuth grants."""

from __future__ import annotations

from django.db import transaction
from oauth2_provider.models import get_application_model, get_refresh_token_model

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


def applications_disable(*, applications) -> int:
    """Cuts clients off (they then get invalid_client); their issued access tokens lapse on expiry."""
    return applications.update(is_active=False)
