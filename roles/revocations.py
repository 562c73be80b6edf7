"""
Revocation: cutting people off before their access tokens expire. The one place that writes it.

One vocabulary: a revocation says *who* is cut off (a user, or everyone), *from which
connection* (one client id, or all), optionally *which token* (its ``jti``), and *since when*
(tokens issued before ``revoked_before`` are refused). Each is a row of
:class:`roles.models.AccessRevocation` in PostgreSQL, the source of truth; the API reads them
through :mod:`actions_api.revocation_list`. Revoking also ends the matching django-oauth-toolkit
grants in bulk: refresh tokens revoked, access-token rows and pending codes deleted.

After the transaction commits, the list's version in the shared cache is bumped (every API
process notices within a second) and :data:`access_revoked` is sent (this process at once).
Only cut-offs younger than an access token's lifetime (plus leeway) matter: older tokens have
expired anyway, so the list the API holds stays small.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q, QuerySet
from django.dispatch import Signal
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_grant_model, get_refresh_token_model

from roles.audit.models import AuditEvent
from roles.audit.services import audit_event, audit_record_many
from roles.conf import rolegate_settings
from roles.fields import clip_to_field
from roles.models import AccessRevocation

VERSION_KEY = "rolegate:revocations:version"
BATCH_SIZE = 2000
CONNECTION_TARGET_TYPE = settings.OAUTH2_PROVIDER_APPLICATION_MODEL.lower()

#: Sent once a revocation has committed; the API's in-process list reloads on it.
access_revoked = Signal()


@transaction.atomic
def access_revoke(
    *, reason: str, users: QuerySet | None = None, client_id: str = "", token_id: str = "", end_grants: bool = True
) -> int:
    """
    Cuts off `users` (None: everyone) from the connection `client_id` ("" : every connection),
    or only the token `token_id`: the API refuses the matching access tokens issued until now.
    With `end_grants`, the matching refresh tokens and codes end too. Returns how many users.
    """
    if users is None and not (client_id or token_id):
        raise ValueError("A revocation names at least a user, a connection or a token.")
    now, stored_reason = timezone.now(), clip_to_field(AccessRevocation, "reason", reason)
    people = list(users.values_list("pk", "username")) if users is not None else [(None, "")]
    for batch in _batches(people):
        AccessRevocation.objects.bulk_create(
            AccessRevocation(
                user_id=pk, client_id=client_id, token_id=token_id, revoked_before=now, reason=stored_reason
            )
            for pk, _ in batch
        )
    if end_grants and not token_id:
        grants_end(user_ids=None if users is None else [pk for pk, _ in people], client_id=client_id, now=now)
    audit_record_many(_audit_events(people, reason=reason, client_id=client_id, token_id=token_id, now=now))
    revocations_announce()
    return 0 if users is None else len(people)


def user_access_revoke(*, users: QuerySet, reason: str) -> int:
    """Ends the access of `users` now, through every connection. Returns how many users."""
    return access_revoke(users=users, reason=reason)


def grants_end(*, user_ids: list | None, client_id: str, now: dt.datetime) -> None:
    """The bulk way to end django-oauth-toolkit grants: of these users (None: all), through `client_id` ("": all)."""
    matching = Q() if user_ids is None else Q(user_id__in=user_ids)
    if client_id:
        matching &= Q(application__client_id=client_id)
    get_refresh_token_model().objects.filter(matching, revoked__isnull=True).update(revoked=now, access_token=None)
    get_access_token_model().objects.filter(matching).delete()
    get_grant_model().objects.filter(matching).delete()


def revocation_key(*, subject: str, client_id: str, token_id: str) -> tuple[str, str, str]:
    """The list's key: each part a value the token must carry, or "" for any."""
    return subject, client_id, token_id


def recent_revocations() -> dict[tuple[str, str, str], float]:
    """revocation_key -> latest cut-off as a Unix time, of the revocations younger than a token (one query)."""
    horizon = timezone.now() - dt.timedelta(
        seconds=rolegate_settings.ACCESS_TOKEN_TTL_SECONDS + rolegate_settings.ACCESS_TOKEN_LEEWAY_SECONDS
    )
    cutoffs: dict[tuple[str, str, str], float] = {}
    rows = AccessRevocation.objects.filter(revoked_before__gt=horizon).values_list(
        "user_id", "client_id", "token_id", "revoked_before"
    )
    for user_id, client_id, token_id, before in rows:
        key = revocation_key(subject="" if user_id is None else str(user_id), client_id=client_id, token_id=token_id)
        cutoffs[key] = max(cutoffs.get(key, 0.0), before.timestamp())
    return cutoffs


def revocation_version() -> object:
    """The list's version in the shared cache (None when unknown, e.g. after a cache restart)."""
    return cache.get(VERSION_KEY)


def revocation_version_bump() -> object:
    """Tells every process that the list changed; returns the new version."""
    try:
        return cache.incr(VERSION_KEY)
    except ValueError:  # no version yet (first revocation, or the cache restarted empty)
        version = time.time_ns()
        cache.set(VERSION_KEY, version, None)
        return version


def revocations_announce() -> None:
    """Once the revoking transaction commits: bump the shared version, reload this process's list."""

    def announce() -> None:
        revocation_version_bump()
        access_revoked.send(sender=AccessRevocation)

    transaction.on_commit(announce)


def _audit_events(people: list, *, reason: str, client_id: str, token_id: str, now: dt.datetime) -> Iterable:
    details = {"reason": reason, "revoked_before": now.isoformat()}
    details.update({name: value for name, value in (("connection", client_id), ("token_id", token_id)) if value})
    for pk, username in people:
        if pk is None:
            yield audit_event(
                action=AuditEvent.Action.ACCESS_REVOKED,
                target_type=CONNECTION_TARGET_TYPE,
                target_id=client_id,
                target_label=client_id,
                details=details,
            )
        else:
            yield audit_event(
                action=AuditEvent.Action.ACCESS_REVOKED,
                target_type=get_user_model()._meta.label_lower,
                target_id=str(pk),
                target_label=username,
                details=details,
            )


def _batches(rows: list, size: int = BATCH_SIZE):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
