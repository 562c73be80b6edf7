"""django-oauth-toolkit's validator, taught to accept exactly what ChatGPT sends."""

from __future__ import annotations

import json

from django.contrib.auth.hashers import check_password, identify_hasher
from django.utils import timezone
from oauth2_provider import cimd
from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_refresh_token_model,
    refresh_token_expire_timedelta,
)
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings
from oauthlib.oauth2.rfc6749 import errors, utils

from accounts import selectors, services
from accounts.federation.services import federated_sign_in_outlived
from accounts.mfa import services as mfa
from accounts.mfa.methods import sign_in_claims
from accounts.oauth_token_saving import TokenSavingValidator
from accounts.resources import UnknownResource, token_audience
from accounts.token_minting import request_claims
from roles.conf import rolegate_settings

AccessToken = get_access_token_model()
Grant = get_grant_model()
RefreshToken = get_refresh_token_model()

#: ``request.rolegate_grant`` before the code's grant was read (None is a read that found nothing).
_UNREAD = object()


#: Grants that act for a signed-in user: every token carries a user's claims, so nothing else is served.
USER_GRANT_TYPES = frozenset({"authorization_code", "refresh_token"})


class RolegateOAuth2Validator(TokenSavingValidator):
    # ID tokens and userinfo release a user's roles with the `profile` scope.
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "roles": "profile", "amr": "openid", "acr": "openid"}

    def _client(self, client_id, request):
        # With Basic client authentication oauthlib may pass client_id=None although the
        # client is known; _load_application would then drop request.client.
        return request.client or self._load_application(client_id, request)

    def _load_application(self, client_id, request):
        """
        DOT's, with the connection read in one cached statement (``selectors.connection_by_client_id``)
        when it is not on the request yet; an unknown client id still goes to DOT (Client ID
        Metadata Documents, odd values), and a stale CIMD client is refreshed as DOT refreshes it.
        """
        if request.client or not isinstance(client_id, str) or "\x00" in client_id:
            return super()._load_application(client_id, request)
        client = selectors.connection_by_client_id(client_id=client_id)
        if client is None:
            return super()._load_application(client_id, request)
        client = cimd.refresh_if_stale(client, request=request)
        if not client.is_usable(request):
            return None
        request.client = client
        return client

    def _check_secret(self, provided_secret, stored_secret) -> bool:
        """
        DOT's check of a client secret, which never upgrades a stored hash: one made with other
        parameters than ``CLIENT_SECRET_HASHER``'s (or another hasher) is rewritten once the
        secret verifies, as Django upgrades a password hash at sign-in (see accounts.hashers).
        """
        try:
            identify_hasher(stored_secret)
        except ValueError:  # stored unhashed (hash_client_secret off): DOT's constant-time comparison
            return super()._check_secret(provided_secret, stored_secret)
        return check_password(
            provided_secret,
            stored_secret,
            setter=lambda secret: services.connection_secret_rehash(stored=stored_secret, secret=secret),
            preferred=oauth2_settings.CLIENT_SECRET_HASHER,
        )

    def revoke_token(self, token, token_type_hint, request, *args, **kwargs) -> None:
        """RFC 7009, and the API (REST and MCP) then refuses the access token too, by its `jti`."""
        issued = services.access_token_issued(token=token, connection=request.client)
        super().revoke_token(token, token_type_hint, request, *args, **kwargs)
        if issued is not None:
            services.access_token_revoke(issued=issued, connection=request.client)

    def get_default_scopes(self, client_id, request, *args, **kwargs) -> list[str]:
        """The connection's own default scopes, not one global list."""
        client = self._client(client_id, request)
        return client.default_scopes.split() if client else []

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs) -> bool:
        """
        An empty ``scope=`` (ChatGPT with the Scope field left blank) reaches here as
        ``['']``: it means the connection's default scopes, not an invalid scope.
        """
        requested = [scope for scope in scopes if scope]
        if not requested:
            requested = self.get_default_scopes(client_id, request)
        # oauthlib hands us request.scopes itself; replace its contents so the grant stores them.
        scopes[:] = requested
        return super().validate_scopes(client_id, requested, client, request, *args, **kwargs)

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs) -> bool:
        """
        Only user grants, whatever a client was registered with: a `client_credentials` (or
        `password`, device-code) client gets ``unauthorized_client``, never a token without a user.
        """
        return grant_type in USER_GRANT_TYPES and super().validate_grant_type(
            client_id, grant_type, client, request, *args, **kwargs
        )

    def validate_silent_login(self, request) -> bool:
        """`prompt=none`: the authorization endpoint is reached only by a signed-in user."""
        return True

    def validate_silent_authorization(self, request) -> bool:
        """`prompt=none` never skips consent: the client gets ``consent_required`` (OIDC Core 3.1.2.6)."""
        return False

    def is_pkce_required(self, client_id, request) -> bool:
        """Per connection: GPT Actions send no PKCE; public clients must always use it."""
        client = self._client(client_id, request)
        return client is None or client.pkce_required()

    def validate_code(self, client_id, code, client, request, *args, **kwargs) -> bool:
        """
        DOT's check (the client's unexpired code; its scopes, user, nonce and claims go on the
        request) on the grant row read once (see ``_grant``). A code that no longer validates
        but was redeemed before leaked: revoke what it issued.
        """
        grant = self._grant(code, request, client)
        if grant is None or grant.is_expired():
            services.authorization_code_replay(code=code, connection=client)
            return False
        request.scopes, request.user = grant.scope.split(" "), grant.user
        if grant.nonce:
            request.nonce = grant.nonce
        if grant.claims:
            request.claims = json.loads(grant.claims)
        self._bind_audience(request, granted=grant.resource)
        request.amr = grant.amr  # how the user signed in (read by claims), read with the grant
        return True

    def refresh_id_token(self, request) -> bool:
        """
        A refresh grant answers with a new ID token only when ``ID_TOKEN_ON_REFRESH`` says so: OIDC
        Core 12.2 makes it optional, the clients served here ignore it, and it costs a signature
        and three statements per refresh.
        """
        return rolegate_settings.ID_TOKEN_ON_REFRESH

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs) -> bool:
        """
        DOT's checks, then ours: DOT's expiry slides with every rotation, ASVS 10.4.8 also wants an
        absolute end (a family is refused REFRESH_TOKEN_MAX_AGE_SECONDS after the sign-in that
        began it); a federated user's IdP is asked again once their last sign-in there is too old.
        A live token is read once with everything both need (``live_refresh_token``); anything
        else (unknown, revoked, replayed) goes to DOT, whose reuse detection revokes the family.
        """
        presented = selectors.live_refresh_token(token=refresh_token)
        if presented is not None:
            if not self._accept_live_refresh_token(presented, refresh_token, client, request):
                return False
            outlived, federated, amr = presented.family_outlived, presented.federated, presented.family_amr
        else:
            if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
                return False
            presented = request.refresh_token_instance
            outlived = services.refresh_token_family_outlived(token_family=presented.token_family)
            federated, amr = True, mfa.grant_authentication_for_family(token_family=presented.token_family)
        if outlived or (federated and federated_sign_in_outlived(user=presented.user)):
            return False
        self._bind_audience(request, granted=presented.resource)
        request.amr = amr  # how the user signed in (read by claims)
        return True

    @staticmethod
    def _accept_live_refresh_token(presented, refresh_token: str, client, request) -> bool:
        """
        DOT's ``validate_refresh_token`` for a live token, on the row already read: a token whose
        access token is gone (an orphan) or expired longer than REFRESH_TOKEN_EXPIRE_SECONDS ago
        is refused, and it must belong to the authenticated client.
        """
        if presented.access_token is None:
            return False
        expire_delta = refresh_token_expire_timedelta()
        if expire_delta and presented.access_token.expires + expire_delta <= timezone.now():
            return False
        request.user, request.refresh_token, request.refresh_token_instance = presented.user, refresh_token, presented
        if client is None or presented.application_id != client.pk:
            return False
        presented.application = client  # the row just authenticated: no second read
        return True

    def _bind_audience(self, request, *, granted: list[str]) -> None:
        """
        RFC 8707: the resource asked for at the token endpoint (or else at authorization)
        becomes the access token's `aud` (read by accounts.token_minting); an unknown one is
        ``invalid_target`` before any token is minted.
        """
        requested = [value for name, value in (request.decoded_body or []) if name == "resource"]
        try:
            request.token_audience = token_audience(requested=requested, granted=granted or [])
        except UnknownResource as error:
            raise errors.CustomOAuth2Error(error="invalid_target", description=str(error), request=request) from None

    def invalidate_authorization_code(self, client_id, code, request, *args, **kwargs) -> None:
        """
        DOT deletes the grant; we also record the redemption so a replay can revoke its tokens.
        If a concurrent request redeemed the same code first, both requests' tokens are revoked.
        """
        if getattr(request, "rolegate_code_consumed", False):  # deleted with the tokens (save_bearer_token)
            return
        family = getattr(request, "issued_token_family", None)
        try:
            super().invalidate_authorization_code(client_id, code, request, *args, **kwargs)
        except errors.InvalidGrantError:
            RefreshToken.revoke_family(family)
            services.authorization_code_replay(code=code, connection=request.client)
            raise
        services.authorization_code_redeem(code=code, connection=request.client, token_family=family)
        mfa.grant_authentication_bind_family(code=code, token_family=family)

    def get_additional_claims(self, request) -> dict:
        """ID token and userinfo claims (the access token carries its own, see accounts.token_minting)."""
        user = request.user
        claims = request_claims(request)
        return {
            "preferred_username": user.get_username(),
            "name": user.display_name,
            "email": user.email,
            "roles": list(claims.roles),
            **sign_in_claims(getattr(request, "amr", None)),
        }

    # ------------------------------------------------------------------ fewer queries per grant (issue 16)
    def _grant(self, code: str, request, client=None):
        """
        The code's grant row (with its user and `amr`) or None, read once per token request although
        oauthlib and DOT ask for it eight times in a code exchange (scopes, validation, redirect URI,
        PKCE challenge and method, nonce, resource twice). Single use does not rest on these reads but
        on deleting the row (``save_bearer_token``, or else ``invalidate_authorization_code``): a
        request that deletes none is refused.
        With `client`, a grant of another client is None.
        """
        grant = getattr(request, "rolegate_grant", _UNREAD)
        if grant is _UNREAD or (grant is not None and grant.code != code):
            grant = request.rolegate_grant = selectors.authorization_code_grant(code=code)
        if grant is None or (client is not None and grant.application_id != client.pk):
            return None
        return grant

    def get_authorization_code_scopes(self, client_id, code, redirect_uri, request) -> list[str]:
        grant = self._grant(code, request)
        return utils.scope_to_list(grant.scope) if grant and grant.scope else []

    def confirm_redirect_uri(self, client_id, code, redirect_uri, client, request=None, *args, **kwargs) -> bool:
        grant = self._grant(code, request, client)
        return grant is not None and grant.redirect_uri_allowed(redirect_uri)

    def get_code_challenge(self, code, request) -> str | None:
        grant = self._grant(code, request, request.client)
        return grant.code_challenge or None if grant else None

    def get_code_challenge_method(self, code, request) -> str | None:
        grant = self._grant(code, request, request.client)
        return grant.code_challenge_method or None if grant else None

    def get_authorization_code_nonce(self, client_id, code, redirect_uri, request) -> str | None:
        grant = self._grant(code, request)
        return grant.nonce or None if grant else None
