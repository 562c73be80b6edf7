"""
"Tokens of this user (through this connection) issued before T are refused": the revocation
list the API consults.

The database is the source of truth (:class:`roles.models.AccessRevocation`). A copy of the
recent cut-offs is mirrored in the Django cache so that API processes refresh their in-process
copy from the cache, not the database. Only cut-offs younger than an access token's lifetime
(plus leeway) matter: older tokens have expired anyway, so the list stays small.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from roles.models import AccessRevocation, ConnectionAccessRevocation

CACHE_KEY = "rolegate:access-revocations:v2"


def _horizon() -> dt.datetime:
    return timezone.now() - dt.timedelta(
        seconds=settings.ACCESS_TOKEN_TTL_SECONDS + settings.ACCESS_TOKEN_LEEWAY_SECONDS
    )


def revocation_key(subject: str, client_id: str | None = None) -> str:
    """The list's key: the user (`sub`) for all their tokens, or `sub client_id` for one connection's."""
    return subject if client_id is None else f"{subject} {client_id}"


def load_recent_revocations() -> dict[str, float]:
    """revocation_key -> cut-off as a Unix time, from the database (two queries)."""
    horizon = _horizon()
    users = AccessRevocation.objects.filter(revoked_before__gt=horizon).values_list("user_id", "revoked_before")
    connections = ConnectionAccessRevocation.objects.filter(revoked_before__gt=horizon).values_list(
        "user_id", "application__client_id", "revoked_before"
    )
    return {
        **{revocation_key(str(user_id)): before.timestamp() for user_id, before in users},
        **{revocation_key(str(user_id), client_id): before.timestamp() for user_id, client_id, before in connections},
    }


def recent_revocations() -> dict[str, float]:
    """The cut-offs, from the cache when it has them, else from the database (then cached)."""
    revocations = cache.get(CACHE_KEY)
    if revocations is None:
        revocations = load_recent_revocations()
        cache.set(CACHE_KEY, revocations, settings.ACCESS_REVOCATION_CACHE_SECONDS)
    return revocations


def publish_revocations() -> None:
    """Mirrors the database into the cache once the revoking transaction has committed."""
    cache.delete(CACHE_KEY)
    transaction.on_commit(
        lambda: cache.set(CACHE_KEY, load_recent_revocations(), settings.ACCESS_REVOCATION_CACHE_SECONDS)
    )
