"""
A grant's writes as one statement: what the grant consumes, the new token pair and its audit event.

A refresh grant wrote in six statements (BEGIN, the revocation, DOT's two ORM INSERTs, COMMIT, the
audit event) and a code exchange in twelve (the pair in a transaction, the code's deletion in
another, the redemption record, the `amr` binding, the audit event); Django compiling those INSERTs
cost more Python than everything else the grant writes. Here the rows are still built as DOT and
the audit log build them (model instances, DOT's ``set_token_value``, each field's own
``pre_save``: checksums, redaction at rest, timestamps and families are theirs) and written by one
data-modifying ``WITH``, atomic on its own, whose first part consumes what the grant presented
(the refresh token revoked if still live, or the code deleted if still there): the pair, its
audit event and the bookkeeping exist only if that part found its row, and never one without
the others. Of two requests presenting the same token or code, the second waits for the first's
row lock, finds nothing left once it commits, and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import functools

from django.db import connections, router
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
    set_token_value,
)
from oauth2_provider.settings import oauth2_settings

from accounts.models import AuthorizationCodeRedemption, GrantAuthentication, code_checksum
from roles.audit.models import AuditEvent
from roles.audit.tracking import token_issued_event

#: What a refresh grant consumes: the presented token, revoked only if still live, and its access token (DOT's
#: ``revoke()``; the refresh token's own link is cleared, its foreign key is checked at commit).
_REVOKED = """revoked AS (
    UPDATE {refresh_tokens} SET revoked = %(now)s, updated = %(now)s, access_token_id = NULL
    WHERE id = %(presented)s AND revoked IS NULL
    RETURNING id
), deleted AS (
    DELETE FROM {access_tokens} WHERE id = %(presented_access_token)s AND EXISTS (SELECT 1 FROM revoked)
)"""
#: What a code exchange consumes: the code (single use rests on this DELETE finding the row), then its
#: redemption record (a replay revokes the family) and the sign-in's `amr` bound to the family.
_CONSUMED = """consumed AS (
    DELETE FROM {grants} WHERE code = %(code)s AND application_id = %(application)s
    RETURNING id
), redemption AS (
    INSERT INTO {redemptions} ({redemption_columns}) SELECT {redemption_values} FROM consumed
), bound AS (
    UPDATE {grant_authentications} SET token_family = %(family)s
    WHERE code_checksum = %(code_checksum)s AND EXISTS (SELECT 1 FROM consumed)
)"""
_PAIR = """
WITH {consumes},{id_token} access_token AS (
    INSERT INTO {access_tokens} ({access_token_columns}, id_token_id)
    SELECT {access_token_values}, {id_token_id} FROM {gate}
    RETURNING id
), refresh_token AS (
    INSERT INTO {refresh_tokens} ({refresh_token_columns}, access_token_id)
    SELECT {refresh_token_values}, access_token.id FROM access_token
    RETURNING id
), audit_event AS (
    INSERT INTO {audit_events} ({audit_event_columns}) SELECT {audit_event_values} FROM access_token
    RETURNING id
)
SELECT access_token.id, refresh_token.id, audit_event.id{id_token_returned}
FROM access_token, refresh_token, audit_event{id_token_joined}
"""
#: An ID token signed by this request and not saved yet (see ``TokenSavingValidator._save_id_token``): its row.
_ID_TOKEN = """ id_token AS (
    INSERT INTO {id_tokens} ({id_token_columns}) SELECT {id_token_values} FROM {gate}
    RETURNING id
),"""
#: Each model's link to a row written in the same statement, left out of its own values.
_LINKS = {"access_token_id", "id_token_id"}


def in_one_statement() -> bool:
    """Whether the tokens' database runs data-modifying ``WITH`` (PostgreSQL; the demo's SQLite does not)."""
    return connections[router.db_for_write(get_access_token_model())].vendor == "postgresql"


def refresh_grant_save(*, token: dict, request, presented, id_token=None):
    """
    The new access token of a refresh grant that rotates `presented`, saved with its refresh token
    and audit event (``audit_event`` is set on it, so the ``app_authorized`` receiver does not
    write it again); None, with nothing written, when `presented` was no longer live.
    """
    now = timezone.now()
    access_token, refresh_token, event = _pair(
        token, request, family=presented.token_family, now=now, id_token=id_token
    )
    access_token.source_refresh_token = presented
    values = {"now": now, "presented": presented.pk, "presented_access_token": presented.access_token_id}
    return _saved("revoked", values, access_token, refresh_token, event)


def code_exchange_save(*, token: dict, request, grant, family, id_token=None):
    """
    The access token of a code exchange, saved with its refresh token (of the new `family`), its
    audit event, the code's redemption record and the `amr` binding, as the code's grant row is
    deleted; None, with nothing written, when the grant was gone (redeemed by another request).
    """
    now = timezone.now()
    access_token, refresh_token, event = _pair(token, request, family=family, now=now, id_token=id_token)
    checksum = code_checksum(grant.code)
    redemption = AuthorizationCodeRedemption(
        code_checksum=checksum, application=request.client, token_family=family, redeemed_at=now
    )
    values = {"code": grant.code, "application": request.client.pk, "family": family, "code_checksum": checksum}
    values.update(_values(redemption, "cr"))
    return _saved("consumed", values, access_token, refresh_token, event)


def _pair(token: dict, request, *, family, now: dt.datetime, id_token):
    """The new pair and its audit event, unsaved, built as DOT's two ``_create_*_token`` methods build them."""
    AccessToken, RefreshToken = get_access_token_model(), get_refresh_token_model()
    resource = getattr(request, "resource", [])  # RFC 8707, as DOT sets it
    expires = now + dt.timedelta(seconds=token.get("expires_in", oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS))
    access_token = AccessToken(
        user=request.user,
        scope=token["scope"],
        expires=expires,
        id_token=id_token,
        application=request.client,
        resource=resource,
    )
    set_token_value(access_token, token["access_token"])
    refresh_token = RefreshToken(user=request.user, application=request.client, token_family=family, resource=resource)
    set_token_value(refresh_token, token["refresh_token"])
    return (
        access_token,
        refresh_token,
        token_issued_event(token=access_token, grant_type=request.grant_type, meta=request.headers),
    )


def _saved(gate: str, values: dict, access_token, refresh_token, event):
    """Runs `gate`'s statement; the access token, its refresh token, event and unsaved ID token then saved."""
    database = router.db_for_write(type(access_token))
    id_token = access_token.id_token if access_token.id_token_id is None else None
    saved = [access_token, refresh_token, event] + ([id_token] if id_token is not None else [])
    for prefix, instance in zip(("at", "rt", "ae", "it"), saved, strict=False):
        values.update(_values(instance, prefix))
    values["at_id_token_id"] = access_token.id_token_id
    with connections[database].cursor() as cursor:
        cursor.execute(_statement(gate, id_token is not None), values)
        row = cursor.fetchone()
    if row is None:
        return None
    for instance, pk in zip(saved, row, strict=True):
        instance.pk = pk
        instance._state.adding, instance._state.db = False, database
    if id_token is not None:
        access_token.id_token = id_token
    refresh_token.access_token, access_token.audit_event = access_token, event
    return access_token


def _values(instance, prefix: str) -> dict:
    """The values the ORM would insert for `instance` (each field's ``pre_save``, then its database form)."""
    connection = connections[router.db_for_write(type(instance))]
    return {
        f"{prefix}_{field.column}": field.get_db_prep_save(field.pre_save(instance, True), connection)
        for field in _inserted_fields(type(instance))
    }


def _inserted_fields(model) -> list:
    """The columns the ORM would insert: every concrete one but the primary key (and the links, see ``_LINKS``)."""
    return [
        field
        for field in model._meta.local_concrete_fields
        if not field.primary_key and not field.generated and field.attname not in _LINKS
    ]


@functools.cache
def _statement(gate: str, with_id_token: bool) -> str:
    AccessToken, RefreshToken, IDToken = get_access_token_model(), get_refresh_token_model(), get_id_token_model()
    connection = connections[router.db_for_write(AccessToken)]

    def columns(model) -> str:
        return ", ".join(f'"{field.column}"' for field in _inserted_fields(model))

    def placeholders(model, prefix: str) -> str:
        # Typed: a SELECT list (unlike VALUES) does not take its types from the columns it fills.
        return ", ".join(
            f"CAST(%({prefix}_{field.column})s AS {field.db_type(connection)})" for field in _inserted_fields(model)
        )

    tables = {"refresh_tokens": RefreshToken._meta.db_table, "access_tokens": AccessToken._meta.db_table}
    consumes = (_REVOKED if gate == "revoked" else _CONSUMED).format(
        grants=get_grant_model()._meta.db_table,
        redemptions=AuthorizationCodeRedemption._meta.db_table,
        redemption_columns=columns(AuthorizationCodeRedemption),
        redemption_values=placeholders(AuthorizationCodeRedemption, "cr"),
        grant_authentications=GrantAuthentication._meta.db_table,
        **tables,
    )
    id_token_link = AccessToken._meta.get_field("id_token").db_type(connection)
    return _PAIR.format(
        consumes=consumes,
        gate=gate,
        id_token=_ID_TOKEN.format(
            id_tokens=IDToken._meta.db_table,
            id_token_columns=columns(IDToken),
            id_token_values=placeholders(IDToken, "it"),
            gate=gate,
        )
        if with_id_token
        else "",
        id_token_id="(SELECT id FROM id_token)" if with_id_token else f"CAST(%(at_id_token_id)s AS {id_token_link})",
        id_token_returned=", id_token.id" if with_id_token else "",
        id_token_joined=", id_token" if with_id_token else "",
        audit_events=AuditEvent._meta.db_table,
        access_token_columns=columns(AccessToken),
        access_token_values=placeholders(AccessToken, "at"),
        refresh_token_columns=columns(RefreshToken),
        refresh_token_values=placeholders(RefreshToken, "rt"),
        audit_event_columns=columns(AuditEvent),
        audit_event_values=placeholders(AuditEvent, "ae"),
        **tables,
    )
