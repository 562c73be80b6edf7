"""
How the token endpoint saves what a grant issues (issue 16): on PostgreSQL in one statement per
grant (``accounts.token_writes``), the rows DOT would otherwise read back handed over directly.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.utils import timezone
from oauth2_provider.models import get_id_token_model, get_refresh_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings
from oauthlib.oauth2.rfc6749 import errors

from accounts import services, token_writes

IDToken, RefreshToken = get_id_token_model(), get_refresh_token_model()

#: The ID token this request has just signed and saved, as (JWT, row); see ``_load_id_token``.
_issued_id_token: ContextVar[tuple[str, object] | None] = ContextVar("rolegate_issued_id_token", default=None)
#: The access-token rows saved while the token view collects them; see ``issued_access_tokens``.
_issued_access_tokens: ContextVar[list | None] = ContextVar("rolegate_issued_access_tokens", default=None)


@contextmanager
def issued_access_tokens() -> Iterator[list]:
    """
    The access-token rows this token request saves, with their user and connection already
    loaded: the audit event is written from them instead of reading the token back.
    """
    issued: list = []
    reset = _issued_access_tokens.set(issued)
    try:
        yield issued
    finally:
        _issued_access_tokens.reset(reset)


class TokenSavingValidator(OAuth2Validator):
    """DOT's validator with the token endpoint's writes in fewer statements; ``_grant`` is the subclass's."""

    def _create_refresh_token(self, request, refresh_token_code, access_token, previous_refresh_token):
        """Remembers the family issued (see invalidate_authorization_code) without reading it back."""
        refresh_token = super()._create_refresh_token(request, refresh_token_code, access_token, previous_refresh_token)
        request.issued_token_family = refresh_token.token_family
        return refresh_token

    def save_bearer_token(self, token, request, *args, **kwargs):
        """
        On PostgreSQL a grant's writes are one statement (``accounts.token_writes``): a refresh
        grant's rotation, or a code exchange's deletion of the code with its redemption record and
        `amr` binding, then the ID token signed for it, the new pair and their audit event. Of two
        requests presenting the same token or code the second writes nothing and gets
        ``invalid_grant`` (a code's replay revokes what the first issued). Anything else is saved
        by DOT, in its transaction.
        """
        presented = self._rotated(token, request)
        grant = self._exchanged_grant(token, request)
        if not token_writes.in_one_statement() or (presented is None and grant is None):
            pending = getattr(request, "id_token", None)
            if pending is not None and pending.pk is None:  # see _save_id_token
                pending.save()
            return super().save_bearer_token(token, request, *args, **kwargs)
        self._check_and_set_request_resource(request)
        id_token = self._id_token_row(token, request)
        if presented is not None:
            family = presented.token_family
            issued = token_writes.refresh_grant_save(
                token=token, request=request, presented=presented, id_token=id_token
            )
        else:
            family = uuid.uuid4()
            services.authorization_code_bookkeeping(connection=request.client)
            issued = token_writes.code_exchange_save(
                token=token, request=request, grant=grant, family=family, id_token=id_token
            )
            if issued is None:
                services.authorization_code_replay(code=request.code, connection=request.client)
        if issued is None:
            raise errors.InvalidGrantError(request=request)
        request.refresh_token_instance, request.issued_token_family = None, family
        request.rolegate_code_consumed = grant is not None
        self._collect(issued)

    def _exchanged_grant(self, token, request):
        """The code's grant a code exchange issuing a refresh token consumes (read once, see ``_grant``), or None."""
        if request.grant_type != "authorization_code" or "scope" not in token or not token.get("refresh_token"):
            return None
        return self._grant(request.code, request, request.client)

    def _save_id_token(self, jti, request, expires, *args, **kwargs):
        """
        DOT saves a new ID token in a transaction of its own (three round trips, one a commit);
        when ``save_bearer_token`` writes the grant in one statement the row is written there,
        the access token linked to it, and is returned unsaved here (DOT only keeps it on the
        request). Saved at once otherwise.
        """
        if not (token_writes.in_one_statement() and request.grant_type in ("authorization_code", "refresh_token")):
            return super()._save_id_token(jti, request, expires, *args, **kwargs)
        scopes = request.scope or " ".join(request.scopes)
        return IDToken(user=request.user, scope=scopes, expires=expires, jti=jti, application=request.client)

    def _save_bearer_token(self, token, request, *args, **kwargs):
        """
        Without data-modifying ``WITH`` (the demo's SQLite), rotation in three statements instead
        of DOT's nine (lock the refresh token, lock its successor, a savepoint, ``revoke()``
        reading both again, three writes): one revokes the presented token only if it is still
        live and deletes its access token as DOT's ``revoke()`` does
        (``services.refresh_token_revoke_live``); then the new pair is saved as DOT saves it.
        """
        presented = self._rotated(token, request)
        if presented is None:
            return super()._save_bearer_token(token, request, *args, **kwargs)
        self._check_and_set_request_resource(request)
        now = timezone.now()
        if not services.refresh_token_revoke_live(refresh_token=presented, now=now):
            raise errors.InvalidGrantError(request=request)
        request.refresh_token_instance = None
        expires = now + timedelta(seconds=token.get("expires_in", oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS))
        access_token = self._create_access_token(expires, request, token, source_refresh_token=presented)
        self._create_refresh_token(request, token["refresh_token"], access_token, presented)

    def _rotated(self, token, request):
        """The refresh token this response rotates without a grace period, or None (DOT saves anything else)."""
        presented = getattr(request, "refresh_token_instance", None)
        if (
            "scope" not in token
            or not token.get("refresh_token")
            or not isinstance(presented, RefreshToken)
            or not self.rotate_refresh_token(request)
            or oauth2_settings.REFRESH_TOKEN_GRACE_PERIOD_SECONDS
        ):
            return None
        return presented

    def _id_token_row(self, token, request):
        """The row of the ID token in `token`, if any: the one this request saved (see ``_create_access_token``)."""
        if not token.get("id_token"):
            return None
        saved = getattr(request, "id_token", None)
        reset = _issued_id_token.set((token["id_token"], saved) if saved is not None else None)
        try:
            return self._load_id_token(token["id_token"])
        finally:
            _issued_id_token.reset(reset)

    @staticmethod
    def _collect(access_token) -> None:
        collected = _issued_access_tokens.get()
        if collected is not None:
            collected.append(access_token)

    def _create_access_token(self, expires, request, token, source_refresh_token=None):
        """
        DOT links the access token to its ID token by decoding the JWT it has just signed and
        reading the client, the signing key and the ID token row back (three queries): hand it
        the row this request saved instead (``finalize_id_token`` sets ``request.id_token``).
        """
        saved = getattr(request, "id_token", None)
        issued = (token["id_token"], saved) if saved is not None and token.get("id_token") else None
        reset = _issued_id_token.set(issued)
        try:
            access_token = super()._create_access_token(expires, request, token, source_refresh_token)
        finally:
            _issued_id_token.reset(reset)
        self._collect(access_token)
        return access_token

    def _load_id_token(self, token):
        issued = _issued_id_token.get()
        if issued is not None and issued[0] == token:  # the very JWT this request signed: its row, no lookup
            return issued[1]
        return super()._load_id_token(token)
