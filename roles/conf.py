"""
Rolegate's own settings: one ``ROLEGATE`` dict in the Django settings, read through
``rolegate_settings`` (the way DRF reads ``REST_FRAMEWORK`` through ``api_settings`` and DOT reads
``OAUTH2_PROVIDER`` through ``oauth2_settings``).

Every name has a default below; ``portal/settings/base.py`` fills the dict from the environment (the
README lists the variables). Values are read at use, not at import, and re-read when a test
changes the dict (``override_settings(ROLEGATE=...)`` or pytest-django's ``settings`` fixture).
It lives in ``roles``, the lowest layer, so every app can read it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.urls import reverse

DEFAULTS: dict[str, Any] = {
    # ------------------------------------------------------------ where the portal is
    # The public base URL: the token issuer and the host that clients call.
    "PORTAL_BASE_URL": "http://127.0.0.1:8000",
    # The `aud` of access tokens for the REST API (None: PORTAL_BASE_URL + "/api").
    "API_AUDIENCE": None,
    # The MCP endpoint's resource identifier, the `aud` of its tokens (None: PORTAL_BASE_URL + "/mcp").
    "MCP_RESOURCE": None,
    # ------------------------------------------------------------ tokens
    "ACCESS_TOKEN_TTL_SECONDS": 900,
    "REFRESH_TOKEN_TTL_SECONDS": 30 * 24 * 3600,
    # However often a sign-in's refresh token rotates, it ends this long after the sign-in (ASVS 10.4.8).
    "REFRESH_TOKEN_MAX_AGE_SECONDS": 90 * 24 * 3600,
    # A refresh grant answers with a new ID token too (OIDC Core 12.2 makes it optional). Off: ChatGPT and
    # MCP clients ignore it, and minting it costs a signature and three statements per refresh.
    "ID_TOKEN_ON_REFRESH": False,
    # Access tokens over this size are refused before any parsing.
    "ACCESS_TOKEN_MAX_BYTES": 8192,
    # Clock skew tolerated for `exp`, `nbf` and `iat`.
    "ACCESS_TOKEN_LEEWAY_SECONDS": 30,
    # Verified access tokens each process remembers, so a token sent again is not parsed again
    # (actions_api.token_verification.VerifiedTokenMemo): a few KB each.
    "ACCESS_TOKEN_MEMO_SIZE": 1024,
    # ------------------------------------------------------------ signing keys (cache lifetimes)
    # How long a process trusts its in-memory copy of the public signing keys.
    "SIGNING_KEYS_CACHE_SECONDS": 60,
    # However many unknown `kid`s arrive, the public keys are reloaded at most this often.
    "SIGNING_KEYS_MIN_RELOAD_SECONDS": 5.0,
    # How long a process signs with the key it last read before reading again: short enough that an
    # emergency rotation (`rotate_signing_key --now`) takes over everywhere within seconds.
    "ACTIVE_SIGNING_KEY_CACHE_SECONDS": 5.0,
    # How long clients may cache the JWKS document.
    "JWKS_MAX_AGE_SECONDS": 60,
    # ------------------------------------------------------------ two-step sign-in
    # A session remembers whether its user must pass or set up a second factor this long: a policy
    # change reaches signed-in sessions within it (the gate makes no query on every page).
    "MFA_GATE_RECHECK_SECONDS": 300,
    # ------------------------------------------------------------ revocation and the shared cache
    # Each process compares the revocation list's version in the shared cache this often.
    "ACCESS_REVOCATION_REFRESH_SECONDS": 1.0,
    # After the shared cache failed, a process serves from its own memory this long before retrying.
    "CACHE_RETRY_SECONDS": 1.0,
    # ------------------------------------------------------------ the API
    # Requests per user and per connection (DRF rate syntax); excess gets 429 + Retry-After.
    "API_RATE_PER_USER": "120/min",
    "API_RATE_PER_CONNECTION": "1200/min",
    # A list's total is exact below this many rows; above, it is cached this many seconds.
    "LIST_COUNT_CACHE_MIN_ROWS": 10_000,
    "LIST_COUNT_CACHE_SECONDS": 60,
    # The Retry-After of a 503 while the database is unreachable or saturated.
    "UNAVAILABLE_RETRY_AFTER_SECONDS": 5,
    # Paths that only programs call, with a bearer token or client credentials and never a cookie: they
    # skip the browser pages' middleware (sessions, CSRF, the session user, messages: accounts.machine_calls).
    "MACHINE_PATHS": [
        "/api/v1/",
        "/mcp",
        "/o/token/",
        "/o/revoke_token/",
        "/o/introspect/",
        "/o/userinfo/",
        "/scim/v2/",
    ],
    # ------------------------------------------------------------ client registration (MCP clients)
    "CLIENT_REGISTRATION_ENABLED": True,
    # Registrations per client address and for the whole deployment (DRF rate syntax).
    "CLIENT_REGISTRATION_RATE_PER_ADDRESS": "20/hour",
    "CLIENT_REGISTRATION_RATE_GLOBAL": "200/hour",
    # ------------------------------------------------------------ sign-in lockout, operations
    # An address is locked after this many failed sign-ins across all usernames.
    "LOGIN_ADDRESS_FAILURE_LIMIT": 100,
    # /metrics answers these networks directly, or anyone sending `Authorization: Bearer METRICS_TOKEN`.
    "METRICS_ALLOWED_IPS": ["127.0.0.1/32", "::1/128"],
    "METRICS_TOKEN": "",
    # ------------------------------------------------------------ the Action-call log
    # Written in batches off the request path (actions_api.call_log): every ACTION_CALL_FLUSH_SECONDS,
    # and at once when ACTION_CALL_BUFFER_SIZE calls are pending. A killed process loses at most the
    # calls of its last interval; a clean stop loses none.
    "ACTION_CALL_FLUSH_SECONDS": 1.0,
    "ACTION_CALL_BUFFER_SIZE": 1000,
}

# Defaults computed from another setting when left None.
_DERIVED = {
    "API_AUDIENCE": lambda values: f"{values.PORTAL_BASE_URL}/api",
    "MCP_RESOURCE": lambda values: f"{values.PORTAL_BASE_URL}/mcp",
}


class RolegateSettings:
    """Attribute access to ``settings.ROLEGATE`` with the defaults above; unknown names are errors."""

    def __init__(self, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self._cached: set[str] = set()

    @property
    def user_settings(self) -> dict[str, Any]:
        user_settings = getattr(settings, "ROLEGATE", {})
        unknown = set(user_settings) - set(self.defaults)
        if unknown:
            raise ImproperlyConfigured(f"Unknown ROLEGATE settings: {', '.join(sorted(unknown))}")
        return user_settings

    def __getattr__(self, name: str) -> Any:
        if name not in self.defaults:
            raise AttributeError(f"No ROLEGATE setting named {name!r}")
        value = self.user_settings.get(name, self.defaults[name])
        if value is None and name in _DERIVED:
            value = _DERIVED[name](self)
        self._cached.add(name)
        setattr(self, name, value)
        return value

    def reload(self) -> None:
        for name in self._cached:
            delattr(self, name)
        self._cached.clear()


rolegate_settings = RolegateSettings(DEFAULTS)


def _reload(*, setting: str, **kwargs) -> None:
    if setting == "ROLEGATE":
        rolegate_settings.reload()


setting_changed.connect(_reload)


def absolute_url(view_name: str, *args, **kwargs) -> str:
    """
    The public URL of a view: ``PORTAL_BASE_URL`` + its path. What the portal tells clients
    (metadata, the GPT editor's values, emails, callbacks) never comes from a request's Host header.
    """
    return rolegate_settings.PORTAL_BASE_URL + reverse(view_name, args=args or None, kwargs=kwargs or None)
