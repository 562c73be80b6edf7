"""The two authentication modes Rolegate's JWT is compared with; bench-only."""

from __future__ import annotations

from dataclasses import dataclass

from oauth2_provider.contrib.rest_framework import OAuth2Authentication

from roles.claims import AccessClaims, effective_claims

#: What the floor serves: the claims of the benchmark reader (see bench.prepare).
READER_CLAIMS = AccessClaims.build(roles=["bench-reader"], permissions=["orders.read"], data_scopes={"region": ["*"]})


@dataclass(frozen=True)
class BenchAuth:
    """What the views and throttles read from `request.auth`: who, through which connection, with what."""

    subject: str
    client_id: str
    scopes: frozenset[str]
    claims: AccessClaims


class FixedClaimsAuthentication:
    """Authenticates nobody and costs nothing: every request gets the reader's claims (the floor)."""

    def authenticate(self, request):
        return None, BenchAuth(
            subject="bench-reader", client_id="bench", scopes=frozenset({"api"}), claims=READER_CLAIMS
        )

    def authenticate_header(self, request):
        return None


class OpaqueTokenAuthentication(OAuth2Authentication):
    """
    django-oauth-toolkit's own opaque-token lookup, then the caller's claims.

    An opaque token carries no claims, so they come from the database on every request: the
    token lookup (one query) plus :func:`roles.claims.effective_claims` (roles, permissions
    and data scopes).
    """

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, token = result
        claims = effective_claims(user=user, connection=token.application)
        return user, BenchAuth(
            subject=str(user.pk),
            client_id=token.application.client_id,
            scopes=frozenset(token.scope.split()),
            claims=claims,
        )
