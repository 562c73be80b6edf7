"""
Rate limits on the Actions API: one budget per user and one per connection (OAuth client).

Both are keyed by what the verified token says (`sub`, `client_id`), never by anything else
in the request. Counters live in the default cache: set REDIS_URL so that every process of a
deployment shares them. Rates are read from settings on each request so they can be tuned
per deployment (`API_RATE_PER_USER`, `API_RATE_PER_CONNECTION`).
"""

from __future__ import annotations

from types import SimpleNamespace

from rest_framework.throttling import SimpleRateThrottle

from actions_api.tokens import VerifiedToken
from roles.conf import rolegate_settings


class TokenClaimRateThrottle(SimpleRateThrottle):
    """Limits requests per value of one claim of the verified access token."""

    claim_attribute = ""
    rate_setting = ""

    def get_rate(self) -> str:
        return getattr(rolegate_settings, self.rate_setting)

    def get_cache_key(self, request, view) -> str | None:
        token = request.auth
        if token is None:  # unauthenticated requests are refused before throttling matters
            return None
        return self.cache_format % {"scope": self.scope, "ident": getattr(token, self.claim_attribute)}


class UserRateThrottle(TokenClaimRateThrottle):
    """One budget per person, whichever GPT or client they call through."""

    scope, claim_attribute, rate_setting = "user", "subject", "API_RATE_PER_USER"


class ConnectionRateThrottle(TokenClaimRateThrottle):
    """One budget per connection, shared by all its users: a runaway GPT cannot starve the rest."""

    scope, claim_attribute, rate_setting = "connection", "client_id", "API_RATE_PER_CONNECTION"


def throttle_wait(token: VerifiedToken) -> float | None:
    """
    Counts one call of `token` outside DRF (an MCP tool call) against the same budgets as a
    REST request; returns the seconds to wait when over one, else None.
    """
    call = SimpleNamespace(auth=token)
    waits = [
        throttle.wait()
        for throttle in (UserRateThrottle(), ConnectionRateThrottle())
        if not throttle.allow_request(call, None)
    ]
    return max(wait or 0.0 for wait in waits) if waits else None
