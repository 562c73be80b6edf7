"""Reads about a user's grants that views and the OAuth glue ask for."""

from __future__ import annotations

from accounts.models import ConsentApproval


def consent_remembered(*, user, application, redirect_uri: str, scopes, resources) -> bool:
    """Whether `user` already allowed exactly this: connection, callback URL, scope set and resource."""
    return ConsentApproval.objects.filter(
        **ConsentApproval.lookup(
            user=user, application=application, redirect_uri=redirect_uri, scopes=scopes, resources=resources
        )
    ).exists()
