"""django-oauth-toolkit's validator, taught to accept exactly what ChatGPT sends."""

from __future__ import annotations

from oauth2_provider.oauth2_validators import OAuth2Validator

from accounts.tokens import request_claims


class RolegateOAuth2Validator(OAuth2Validator):
    def _client(self, client_id, request):
        # With Basic client authentication oauthlib may pass client_id=None although the
        # client is known; _load_application would then drop request.client.
        return request.client or self._load_application(client_id, request)

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

    def is_pkce_required(self, client_id, request) -> bool:
        """Per connection: GPT Actions send no PKCE; public clients must always use it."""
        client = self._client(client_id, request)
        return client is None or client.pkce_required()

    def get_additional_claims(self, request) -> dict:
        """ID token and userinfo claims (the access token carries its own, see accounts.tokens)."""
        user = request.user
        claims = request_claims(request)
        return {
            "preferred_username": user.get_username(),
            "name": user.display_name,
            "email": user.email,
            "roles": list(claims.roles),
        }
