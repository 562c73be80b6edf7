"""Reads about a user's grants that views and the OAuth glue ask for."""

from __future__ import annotations

from django.db.models import Min
from oauth2_provider.models import get_application_model

from accounts.models import ConsentApproval


def user_connections(*, user):
    """Connections holding a live (unrevoked) refresh token of `user`, each with `connected_at`."""
    return (
        get_application_model()
        .objects.filter(refreshtoken__user=user, refreshtoken__revoked__isnull=True)
        .annotate(connected_at=Min("refreshtoken__created"))
        .order_by("name")
    )


def consent_remembered(*, user, connection, redirect_uri: str, scopes, resources) -> bool:
    """Whether `user` already allowed exactly this: connection, callback URL, scope set and resource."""
    return ConsentApproval.objects.filter(
        **ConsentApproval.lookup(
            user=user, connection=connection, redirect_uri=redirect_uri, scopes=scopes, resources=resources
        )
    ).exists()
