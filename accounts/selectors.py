"""Reads about a user's grants that views and the OAuth glue ask for."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib

from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.db import connections, router
from django.db.models import Min
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
)

from accounts.models import AuthorizationCodeRedemption, ConsentApproval, GrantAuthentication, code_checksum
from roles.conf import rolegate_settings


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


def refresh_token_max_age() -> dt.timedelta:
    return dt.timedelta(seconds=rolegate_settings.REFRESH_TOKEN_MAX_AGE_SECONDS)


def outlived_sign_ins(*, token_family):
    """The redemption that began `token_family` if it is older than the absolute refresh-token lifetime."""
    return AuthorizationCodeRedemption.objects.filter(
        token_family=token_family, redeemed_at__lte=timezone.now() - refresh_token_max_age()
    )


def live_refresh_token(*, token: str):
    """
    The live (unrevoked) refresh token presented as `token`, with its access token and user, and
    what our refresh checks need about its family: ``family_outlived`` (the sign-in that began it
    is past the absolute lifetime, as :func:`outlived_sign_ins`), ``family_amr`` (how that sign-in
    authenticated) and ``federated`` (its user has an identity at an IdP). None when no live row
    of a family matches: unknown, revoked or replayed tokens (and legacy ones without a family)
    are left to DOT's own validation.

    One constant statement where DOT's validation and those checks took six: through the ORM the
    same read cost more Python (compiling three subqueries and two joins) than all the rest of it.
    """
    RefreshToken, AccessToken, User = get_refresh_token_model(), get_access_token_model(), get_user_model()
    database = router.db_for_read(RefreshToken)
    with connections[database].cursor() as cursor:
        cursor.execute(
            _live_refresh_token_sql(),
            {
                "checksum": hashlib.sha256(token.encode("utf-8")).hexdigest(),
                "outlived_before": timezone.now() - refresh_token_max_age(),
            },
        )
        row = cursor.fetchone()
    if row is None:
        return None
    row = list(row)
    presented = _instance(RefreshToken, database, row)
    access_token, presented.user = _instance(AccessToken, database, row), _instance(User, database, row)
    presented.access_token = access_token if access_token.pk is not None else None
    outlived, amr, presented.federated = row
    presented.family_outlived = outlived
    presented.family_amr = _converted(GrantAuthentication._meta.get_field("amr"), amr, connections[database])
    return presented


@functools.cache
def _live_refresh_token_sql() -> str:
    RefreshToken, AccessToken, User = get_refresh_token_model(), get_access_token_model(), get_user_model()
    return f"""
SELECT {_columns(RefreshToken, "rt")}, {_columns(AccessToken, "at")}, {_columns(User, "u")},
    EXISTS(SELECT 1 FROM {AuthorizationCodeRedemption._meta.db_table} r
           WHERE r.token_family = rt.token_family AND r.redeemed_at <= %(outlived_before)s),
    (SELECT g.amr FROM {GrantAuthentication._meta.db_table} g WHERE g.token_family = rt.token_family
     ORDER BY g.id LIMIT 1),
    EXISTS(SELECT 1 FROM {SocialAccount._meta.db_table} s WHERE s.user_id = rt.user_id)
FROM {RefreshToken._meta.db_table} rt
JOIN {User._meta.db_table} u ON u.id = rt.user_id
LEFT JOIN {AccessToken._meta.db_table} at ON at.id = rt.access_token_id
WHERE rt.token_checksum = %(checksum)s AND rt.revoked IS NULL AND rt.token_family IS NOT NULL
ORDER BY rt.id
LIMIT 1
"""


def authorization_code_grant(*, code: str):
    """
    The grant row of the authorization code `code` with its user, and ``amr``: how the sign-in
    that issued it authenticated (None if not recorded); None when no grant has this code. One
    constant statement for what the ORM read in two, compiling a join of thirty columns.
    """
    Grant, User = get_grant_model(), get_user_model()
    database = router.db_for_read(Grant)
    with connections[database].cursor() as cursor:
        cursor.execute(_grant_sql(), {"code": code, "code_checksum": code_checksum(code)})
        row = cursor.fetchone()
    if row is None:
        return None
    row = list(row)
    grant = _instance(Grant, database, row)
    grant.user = _instance(User, database, row)
    grant.amr = _converted(GrantAuthentication._meta.get_field("amr"), row[0], connections[database])
    return grant


@functools.cache
def _grant_sql() -> str:
    Grant, User = get_grant_model(), get_user_model()
    return f"""
SELECT {_columns(Grant, "g")}, {_columns(User, "u")},
    (SELECT ga.amr FROM {GrantAuthentication._meta.db_table} ga WHERE ga.code_checksum = %(code_checksum)s
     ORDER BY ga.id LIMIT 1)
FROM {Grant._meta.db_table} g
JOIN {User._meta.db_table} u ON u.id = g.user_id
WHERE g.code = %(code)s
"""


def connection_by_client_id(*, client_id: str):
    """
    The connection whose client id is `client_id`, or None: what DOT's ``_load_application``
    reads on every token request, in one cached statement (through the ORM, compiling the
    select of the connection's thirty columns cost more than the rest of client authentication).
    """
    Application = get_application_model()
    database = router.db_for_read(Application)
    with connections[database].cursor() as cursor:
        cursor.execute(_connection_sql(), {"client_id": client_id})
        row = cursor.fetchone()
    return None if row is None else _instance(Application, database, list(row))


@functools.cache
def _connection_sql() -> str:
    Application = get_application_model()
    return f"SELECT {_columns(Application, 'a')} FROM {Application._meta.db_table} a WHERE a.client_id = %(client_id)s"


def _columns(model, alias: str) -> str:
    return ", ".join(f'{alias}."{field.column}"' for field in model._meta.concrete_fields)


def _instance(model, database: str, row: list):
    """A row of `model` from the front of `row` (consumed), converted as the ORM converts it."""
    attnames, converters = _row_reader(model, database)
    connection = connections[database]
    values = []
    for value, field_converters in zip(row, converters, strict=False):
        for converter in field_converters:
            value = converter(value, None, connection)
        values.append(value)
    del row[: len(attnames)]
    return model.from_db(database, attnames, values)


@functools.cache
def _row_reader(model, database: str) -> tuple[list[str], list[list]]:
    """
    `model`'s columns and what the ORM's compiler applies to each as it reads it (the backend's
    converters, then the field's), found once: looked up per row they cost more than the read.
    """
    connection, fields = connections[database], model._meta.concrete_fields
    converters = [
        connection.ops.get_db_converters(field.cached_col) + field.get_db_converters(connection) for field in fields
    ]
    return [field.attname for field in fields], converters


def _converted(field, value, connection):
    """What the ORM's compiler applies to a column it reads (the backend's converters, then the field's)."""
    for converter in connection.ops.get_db_converters(field.cached_col) + field.get_db_converters(connection):
        value = converter(value, None, connection)
    return value
