"""Business steps on OAuth connections and on a user's grants."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass

import jwt
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connections, router, transaction
from django.utils import timezone
from oauth2_provider.generators import generate_client_id, generate_client_secret
from oauth2_provider.models import get_access_token_model, get_application_model, get_refresh_token_model
from oauth2_provider.settings import oauth2_settings

from accounts.devices.services import device_sessions_end
from accounts.models import AuthorizationCodeRedemption, ConsentApproval, SigningKey, code_checksum
from accounts.redirects import ChatGPTCallbacks
from accounts.selectors import outlived_sign_ins, refresh_token_max_age
from accounts.signing_keys import forget_active_signing_key
from roles.audit.services import audit_person_erase
from roles.conf import rolegate_settings
from roles.revocations import access_revoke

Application = get_application_model()
RefreshToken = get_refresh_token_model()
AccessToken = get_access_token_model()
User = get_user_model()


@dataclass(frozen=True)
class IssuedCredentials:
    """A connection and its client secret in plain text: known only now, stored hashed."""

    connection: Application
    client_secret: str


def gpt_connection_create(
    *,
    name: str,
    callback: str | None = None,
    trusted: bool = False,
    default_scopes: str | None = None,
) -> IssuedCredentials:
    """
    A confidential authorization-code connection shaped for ChatGPT's GPT Actions.

    With `callback`, exactly that URL is accepted; without, any GPT's ChatGPT callback is, so
    the callback URL may change when the builder edits the GPT's Actions.
    """
    connection = Application(
        name=name,
        redirect_uris=callback or "",
        chatgpt_callbacks=ChatGPTCallbacks.EXACT if callback else ChatGPTCallbacks.ANY_GPT,
        skip_authorization=trusted,
    )
    if default_scopes is not None:
        connection.default_scopes = default_scopes
    return gpt_connection_register(connection=connection)


@transaction.atomic
def gpt_connection_register(*, connection: Application) -> IssuedCredentials:
    """
    Saves a new connection with fresh credentials and the settings ChatGPT needs.

    GPT Actions send no PKCE and keep a client secret, so the connection is confidential
    with PKCE optional (see `gpt_connection_shape`).
    """
    gpt_connection_shape(connection=connection)
    connection.client_id = generate_client_id()
    return _issue_secret(connection)


def gpt_connection_shape(*, connection: Application) -> None:
    """Sets what every GPT connection shares, so that validation sees the connection as it will be."""
    connection.client_type = Application.CLIENT_CONFIDENTIAL
    connection.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
    connection.algorithm = Application.RS256_ALGORITHM
    connection.require_pkce = False


@transaction.atomic
def gpt_connection_rotate_secret(*, connection: Application) -> IssuedCredentials:
    """Replaces the client secret (the old one stops working at once); returns the new one."""
    return _issue_secret(connection)


def _issue_secret(connection: Application) -> IssuedCredentials:
    secret = generate_client_secret()
    connection.client_secret = secret
    connection.hash_client_secret = True
    connection.full_clean()
    connection.save()
    return IssuedCredentials(connection=connection, client_secret=secret)


@transaction.atomic
def connection_secret_rehash(*, stored: str, secret: str) -> None:
    """
    Rewrites a client secret that just verified against `stored`, a hash made with other
    parameters (or another hasher) than ``CLIENT_SECRET_HASHER`` now uses, as that hasher makes
    it. Matched on the stored hash itself (salted, so one row): a secret rotated meanwhile is
    left alone. ``update()`` sends no signal: the secret did not change, so nothing is audited.
    """
    Application.objects.filter(client_secret=stored, hash_client_secret=True).update(
        client_secret=make_password(secret, hasher=oauth2_settings.CLIENT_SECRET_HASHER)
    )


def connection_access_revoke(*, user, client_id: str) -> int:
    """
    Cuts `user` off from the connection `client_id`: its refresh tokens are revoked and the API
    refuses the access tokens it holds within seconds. Returns how many refresh tokens were live.
    """
    connection = Application.objects.filter(client_id=client_id).first()
    if connection is None:
        return 0
    live = RefreshToken.objects.filter(user=user, application=connection, revoked__isnull=True).count()
    # Its next sign-in asks for consent again.
    ConsentApproval.objects.filter(user=user, application=connection).delete()
    access_revoke(
        users=User.objects.filter(pk=user.pk), client_id=client_id, reason="revoked by the user (Connections)"
    )
    return live


@transaction.atomic
def user_delete(*, user) -> None:
    """
    Offboarding: the access tokens the user holds join the revocation list (refused like any
    revoked token; ``roles.signals.revoke_access_on_deletion`` writes it, however a user is
    deleted), their sessions end, their refresh tokens, codes and ID tokens go with the row, and
    the audit log keeps their events under their id without personal data.
    Deactivation (``is_active``) is the reversible alternative.
    """
    user_id, username = user.pk, user.get_username()
    device_sessions_end(user=user)
    audit_person_erase(user_id=user_id, username=username)
    user.delete()
    audit_person_erase(user_id=user_id, username=username)


def connections_disable(*, connections) -> int:
    """
    Cuts connections off: they get invalid_client, their grants end, and the API refuses the
    access tokens they hold within seconds. Returns how many were disabled.
    """
    client_ids = list(connections.values_list("client_id", flat=True))
    for client_id in client_ids:
        access_revoke(client_id=client_id, reason="connection disabled")
    return connections.update(is_active=False)


@dataclass(frozen=True)
class IssuedAccessToken:
    """Who holds an access token this portal issued, and its id (`jti`): what revoking it needs."""

    user_id: int
    token_id: str


def access_token_issued(*, token: str, connection) -> IssuedAccessToken | None:
    """The access token `connection` sent for revocation, if this portal issued it to that connection."""
    if getattr(connection, "pk", None) is None:
        return None
    checksum = hashlib.sha256(token.encode()).hexdigest()
    user_id = (
        AccessToken.objects.filter(token_checksum=checksum, application=connection, user__isnull=False)
        .values_list("user_id", flat=True)
        .first()
    )
    if user_id is None:
        return None
    # Only the checksum is stored; the token is the JWT that row was minted as: read its `jti`.
    token_id = jwt.decode(token, options={"verify_signature": False}).get("jti")
    return IssuedAccessToken(user_id=user_id, token_id=token_id) if isinstance(token_id, str) and token_id else None


def access_token_revoke(*, issued: IssuedAccessToken, connection) -> None:
    """The API refuses this one access token from now on (within the revocation bound)."""
    access_revoke(
        users=User.objects.filter(pk=issued.user_id),
        client_id=connection.client_id,
        token_id=issued.token_id,
        reason="access token revoked by its connection (RFC 7009)",
    )


def consent_approval_record(*, user, connection, redirect_uri: str, scopes, resources) -> None:
    """Remembers what `user` allowed on the consent page, so exactly the same request need not ask again."""
    ConsentApproval.objects.update_or_create(
        **ConsentApproval.lookup(
            user=user, connection=connection, redirect_uri=redirect_uri, scopes=scopes, resources=resources
        ),
        defaults={"approved_at": timezone.now()},
    )


def connections_purge_unused(*, connections=None, older_than: dt.timedelta = dt.timedelta(0)) -> int:
    """
    Deletes those of `connections` (None: all) older than `older_than` that registered themselves
    and never completed a sign-in (see `ConnectionQuerySet.never_signed_in`); admin-made
    connections are never touched. Returns how many were deleted.
    """
    connections = Application.objects.all() if connections is None else connections
    unused = connections.never_signed_in(created_before=timezone.now() - older_than)
    return unused.delete()[1].get(Application._meta.label, 0)


def authorization_code_redeem(*, code: str, connection, token_family: uuid.UUID | None) -> None:
    """
    Remembers that `code` was exchanged for the refresh-token family `token_family`, so that a
    replay can revoke it and the family ends at its absolute lifetime; forgets redemptions
    older than that lifetime (their families are dead in any case).
    """
    now = authorization_code_bookkeeping(connection=connection)
    AuthorizationCodeRedemption.objects.create(
        code_checksum=code_checksum(code), application=connection, token_family=token_family, redeemed_at=now
    )


def authorization_code_bookkeeping(*, connection) -> dt.datetime:
    """
    What a code exchange updates at most once a minute (see ``CODE_BOOKKEEPING_INTERVAL``): the
    connection's `last_sign_in_at` and the pruning of old redemptions. Returns the time it used.
    """
    now = timezone.now()
    if connection.last_sign_in_at is None or now - connection.last_sign_in_at >= CODE_BOOKKEEPING_INTERVAL:
        Application.objects.filter(pk=connection.pk).update(last_sign_in_at=now)
    _redemptions_prune(now=now)
    return now


#: Code-exchange bookkeeping that may lag by this much, sparing the token endpoint two statements
#: per exchange: a connection's `last_sign_in_at` (read only to find connections never used) and pruning
#: redemptions past the absolute lifetime (kept longer, they only make the lifetime check stricter).
CODE_BOOKKEEPING_INTERVAL = dt.timedelta(minutes=1)
_redemptions_pruned_at: dt.datetime | None = None


def _redemptions_prune(*, now: dt.datetime) -> None:
    """Forgets redemptions older than the absolute refresh lifetime, at most once a minute per process."""
    global _redemptions_pruned_at
    if _redemptions_pruned_at is not None and abs(now - _redemptions_pruned_at) < CODE_BOOKKEEPING_INTERVAL:
        return
    _redemptions_pruned_at = now
    AuthorizationCodeRedemption.objects.redeemed_before(now - refresh_token_max_age()).delete()


def refresh_token_family_outlived(*, token_family: uuid.UUID | None) -> bool:
    """Whether the sign-in that started `token_family` is older than the absolute refresh-token lifetime."""
    return outlived_sign_ins(token_family=token_family).exists()


#: Rotation's first write: see :func:`refresh_token_revoke_live`.
_REVOKE_LIVE_REFRESH_TOKEN = """
WITH revoked AS (
    UPDATE {refresh_tokens} SET revoked = %(now)s, updated = %(now)s, access_token_id = NULL
    WHERE id = %(id)s AND revoked IS NULL
    RETURNING id
), deleted AS (
    DELETE FROM {access_tokens} WHERE id = %(access_token)s AND EXISTS (SELECT 1 FROM revoked)
)
SELECT count(*) FROM revoked
"""


def refresh_token_revoke_live(*, refresh_token, now: dt.datetime) -> bool:
    """
    Revokes `refresh_token` only if it is still live, and deletes the access token read with it
    (DOT's ``revoke()``), in one statement; False when it was no longer live. Of two requests
    rotating the same token the second waits for the first's row lock, PostgreSQL re-checks
    ``revoked IS NULL`` once the first commits, and it revokes (and deletes) nothing. Through the
    ORM this was three statements and Django's deletion collector, for a row nothing else points to
    (the refresh token's own link is cleared here; its foreign key is checked at commit).
    """
    database = connections[router.db_for_write(RefreshToken)]
    if database.vendor != "postgresql":  # the demo's SQLite has no data-modifying WITH: the same through the ORM
        live = RefreshToken.objects.filter(pk=refresh_token.pk, revoked__isnull=True)
        if not live.update(revoked=now, updated=now, access_token=None):
            return False
        AccessToken.objects.filter(pk=refresh_token.access_token_id).delete()
        return True
    statement = _REVOKE_LIVE_REFRESH_TOKEN.format(
        refresh_tokens=RefreshToken._meta.db_table, access_tokens=AccessToken._meta.db_table
    )
    with database.cursor() as cursor:
        cursor.execute(statement, {"now": now, "id": refresh_token.pk, "access_token": refresh_token.access_token_id})
        return cursor.fetchone()[0] == 1


def authorization_code_replay(*, code: str, connection) -> bool:
    """
    Called when `code` no longer validates: if it was redeemed before, it leaked, and every
    token issued from it (the whole refresh-token family) is revoked. Returns whether it was a replay.
    """
    redemption = AuthorizationCodeRedemption.objects.for_code(code=code, connection=connection)
    if redemption is None:
        return False
    RefreshToken.revoke_family(redemption.token_family)
    return True


class SigningKeyError(Exception):
    """A key operation that would break verification; the message says what to do instead."""


def signing_key_publish_ahead() -> dt.timedelta:
    """How long a new key is published before it signs: long enough for every cached copy to refresh."""
    return dt.timedelta(
        seconds=max(rolegate_settings.SIGNING_KEYS_CACHE_SECONDS, rolegate_settings.JWKS_MAX_AGE_SECONDS) + 5
    )


def signing_key_tokens_live_for() -> dt.timedelta:
    """How long after a key stops signing its last token may still be presented."""
    return dt.timedelta(
        seconds=rolegate_settings.ACCESS_TOKEN_TTL_SECONDS + rolegate_settings.ACCESS_TOKEN_LEEWAY_SECONDS
    )


@transaction.atomic
def signing_key_rotate(*, publish_ahead: dt.timedelta | None = None) -> SigningKey:
    """
    Creates the key that signs from ``now + publish_ahead`` on. It is in the JWKS (and every
    process's key cache) before its first token; the keys it supersedes stay published and
    keep verifying until :func:`signing_keys_retire` retires them after their tokens expired.
    """
    if publish_ahead is None:
        # With no key signing yet there is nothing to wait for: the first key signs at once.
        publish_ahead = signing_key_publish_ahead() if SigningKey.objects.active() else dt.timedelta(0)
    activates_at = timezone.now() + publish_ahead
    SigningKey.objects.published().filter(rotated_at__isnull=True).update(rotated_at=activates_at)
    key = SigningKey.objects.generate(activates_at=activates_at)
    forget_active_signing_key()  # this process reads the new key now; the others within seconds
    return key


@transaction.atomic
def signing_keys_retire(*, kid: str | None = None, force: bool = False) -> list[SigningKey]:
    """
    Retires (unpublishes) keys whose tokens have all expired: every such key, or only `kid`.
    `force` retires `kid` at once (a leaked key: its tokens stop verifying). The key that signs
    now, or will sign after a rotation, is never retired: rotate first.
    """
    now = timezone.now()
    retirable = SigningKey.objects.select_for_update().retirable(now=now, tokens_live_for=signing_key_tokens_live_for())
    if kid is None:
        keys = list(retirable)
    else:
        key = SigningKey.objects.published().filter(kid=kid).first()
        if key is None:
            raise SigningKeyError(f"No published signing key has kid {kid}.")
        if key.rotated_at is None or key.rotated_at > now:
            raise SigningKeyError(
                f"Key {kid} signs new tokens (or does until the next key takes over): run rotate_signing_key first."
            )
        if not force and not retirable.filter(pk=key.pk).exists():
            until = key.rotated_at + signing_key_tokens_live_for()
            raise SigningKeyError(
                f"Tokens signed by {kid} stay valid until {until:%Y-%m-%d %H:%M:%S} UTC; retire it then, "
                "or pass --force if the key leaked (its tokens stop working at once)."
            )
        keys = [key]
    SigningKey.objects.filter(pk__in=[key.pk for key in keys]).update(retired_at=now)
    return keys
