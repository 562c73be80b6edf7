"""
Refresh-token rotation as one statement: the presented token revoked, the new pair and its audit event.

A refresh grant's writes were six statements (BEGIN, the revocation, DOT's two ORM INSERTs, COMMIT,
then the audit event's INSERT), and Django compiling three INSERTs of ten to twenty columns cost
more Python than everything else the grant writes. Here the rows are still built as DOT and the
audit log build them (model instances, DOT's ``set_token_value``, each field's own ``pre_save``,
so checksums, redaction at rest, timestamps and families are theirs) and written by one
data-modifying ``WITH``, which is atomic on its own: the new pair and its audit event exist only
if the presented token was still live, and never one without the others.
"""

from __future__ import annotations

import datetime as dt
import functools

from django.db import connections, router
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_refresh_token_model, set_token_value
from oauth2_provider.settings import oauth2_settings

from roles.audit.models import AuditEvent
from roles.audit.tracking import token_issued_event

_ROTATE = """
WITH revoked AS (
    UPDATE {refresh_tokens} SET revoked = %(now)s, updated = %(now)s, access_token_id = NULL
    WHERE id = %(presented)s AND revoked IS NULL
    RETURNING id
), deleted AS (
    DELETE FROM {access_tokens} WHERE id = %(presented_access_token)s AND EXISTS (SELECT 1 FROM revoked)
), access_token AS (
    INSERT INTO {access_tokens} ({access_token_columns}) SELECT {access_token_values} FROM revoked
    RETURNING id
), refresh_token AS (
    INSERT INTO {refresh_tokens} ({refresh_token_columns}, access_token_id)
    SELECT {refresh_token_values}, access_token.id FROM access_token
    RETURNING id
), audit_event AS (
    INSERT INTO {audit_events} ({audit_event_columns}) SELECT {audit_event_values} FROM access_token
    RETURNING id
)
SELECT access_token.id, refresh_token.id, audit_event.id FROM access_token, refresh_token, audit_event
"""


def in_one_statement() -> bool:
    """Whether the tokens' database runs data-modifying ``WITH`` (PostgreSQL; the demo's SQLite does not)."""
    return connections[router.db_for_write(get_access_token_model())].vendor == "postgresql"


def refresh_grant_save(*, token: dict, request, presented, id_token=None):
    """
    The new access token of a refresh grant that rotates `presented`, saved with its refresh token
    and audit event as DOT's ``_create_access_token``/``_create_refresh_token`` and the audit log's
    ``app_authorized`` receiver would save them (``audit_event`` is set on it, so the receiver
    does not write it again); None, with nothing written, when `presented` was no longer live.
    """
    AccessToken, RefreshToken = get_access_token_model(), get_refresh_token_model()
    now = timezone.now()
    resource = getattr(request, "resource", [])  # RFC 8707, as DOT sets it
    access_token = AccessToken(
        user=request.user,
        scope=token["scope"],
        expires=now + dt.timedelta(seconds=token.get("expires_in", oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS)),
        id_token=id_token,
        application=request.client,
        source_refresh_token=presented,
        resource=resource,
    )
    set_token_value(access_token, token["access_token"])
    refresh_token = RefreshToken(
        user=request.user, application=request.client, token_family=presented.token_family, resource=resource
    )
    set_token_value(refresh_token, token["refresh_token"])
    event = token_issued_event(token=access_token, grant_type=request.grant_type, meta=request.headers)
    if not refresh_token_rotate(
        presented=presented, access_token=access_token, refresh_token=refresh_token, audit_event=event, now=now
    ):
        return None
    refresh_token.access_token, access_token.audit_event = access_token, event
    return access_token


def refresh_token_rotate(*, presented, access_token, refresh_token, audit_event: AuditEvent, now: dt.datetime) -> bool:
    """
    Revokes `presented` only if it is still live and deletes its access token (DOT's ``revoke()``),
    then saves `access_token`, `refresh_token` (linked to it) and `audit_event`, all in one
    statement; False, with nothing written, when `presented` was no longer live. Of two requests
    rotating the same token the second waits for the first's row lock, PostgreSQL re-checks
    ``revoked IS NULL`` once the first commits, and it writes nothing (reuse detection then
    happens on the next presentation, in DOT). PostgreSQL only: the caller checks the vendor.
    """
    database = router.db_for_write(type(access_token))
    connection = connections[database]
    values = {"now": now, "presented": presented.pk, "presented_access_token": presented.access_token_id}
    for prefix, instance in (("at", access_token), ("rt", refresh_token), ("ae", audit_event)):
        for field in _inserted_fields(type(instance)):
            values[f"{prefix}_{field.column}"] = field.get_db_prep_save(field.pre_save(instance, True), connection)
    with connection.cursor() as cursor:
        cursor.execute(_rotate_sql(database), values)
        row = cursor.fetchone()
    if row is None:
        return False
    for instance, pk in zip((access_token, refresh_token, audit_event), row, strict=True):
        instance.pk = pk
        instance._state.adding, instance._state.db = False, database
    return True


def _inserted_fields(model) -> list:
    """The columns the ORM would insert: every concrete one but the primary key (and the pair's link)."""
    return [
        field
        for field in model._meta.local_concrete_fields
        if not field.primary_key and not field.generated and field.attname != "access_token_id"
    ]


@functools.cache
def _rotate_sql(database: str) -> str:
    AccessToken, RefreshToken = get_access_token_model(), get_refresh_token_model()
    connection = connections[database]

    def columns(model) -> str:
        return ", ".join(f'"{field.column}"' for field in _inserted_fields(model))

    def placeholders(model, prefix: str) -> str:
        # Typed: a SELECT list (unlike VALUES) does not take its types from the columns it fills.
        return ", ".join(
            f"CAST(%({prefix}_{field.column})s AS {field.db_type(connection)})" for field in _inserted_fields(model)
        )

    return _ROTATE.format(
        refresh_tokens=RefreshToken._meta.db_table,
        access_tokens=AccessToken._meta.db_table,
        audit_events=AuditEvent._meta.db_table,
        access_token_columns=columns(AccessToken),
        access_token_values=placeholders(AccessToken, "at"),
        refresh_token_columns=columns(RefreshToken),
        refresh_token_values=placeholders(RefreshToken, "rt"),
        audit_event_columns=columns(AuditEvent),
        audit_event_values=placeholders(AuditEvent, "ae"),
    )
