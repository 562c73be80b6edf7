"""
Who may register a client, and with which callbacks (DOT's DCR and CIMD policy hooks).

Open registration is safe here because a registered client gains nothing by itself: its
redirect URIs must be known connector callbacks (so a stolen code cannot be sent to an
attacker's site), it may only use the authorization code with PKCE, and every token it gets
carries exactly the signing-in user's own claims (``roles.claims.effective_claims``).
Registrations are rate-limited per address and for the deployment, and clients through which
no one ever signed in can be purged (``manage.py purge_unused_clients``).
"""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from axes.helpers import get_client_ip_address
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ClientRegistrationPolicy
from accounts.redirects import is_connector_callback
from roles.conf import rolegate_settings


class RegistrationOpen:
    """Allows registration while the admin's policy is open (the deployment setting gates DOT's views)."""

    def has_permission(self, request, client_id: str | None = None) -> bool:
        return ClientRegistrationPolicy.current().registration_open


class AllowlistedMetadataHost:
    """Allows a Client ID Metadata Document only from a host the admin's policy lists."""

    def has_permission(self, request, client_id: str) -> bool:
        return ClientRegistrationPolicy.current().allows_metadata_host(urlsplit(client_id).hostname)


def disallowed_redirect_uris(uris: list[str]) -> list[str]:
    """The callbacks a self-registered client may not use: neither a known connector's nor listed."""
    policy = ClientRegistrationPolicy.current()
    return [uri for uri in uris if not (is_connector_callback(uri) or policy.allows_extra_redirect_uri(uri))]


#: What a registered client may ask for (RFC 7591 names): a user's sign-in, and its refresh.
REGISTRABLE_GRANT_TYPES = frozenset({"authorization_code", "refresh_token"})
CONFIDENTIAL_AUTH_METHODS = ("client_secret_basic", "client_secret_post")


class RegistrationRefused(ValueError):
    """Client metadata this portal does not register, with its RFC 7591 §3.2.2 error code."""

    def __init__(self, error: str, description: str):
        super().__init__(description)
        self.error, self.description = error, description


def registration_metadata_check(data: dict) -> None:
    """
    Refuses what DOT would otherwise register: other grants than authorization code (+ refresh
    token), other response types than ``code``, confidential clients unless the admin's policy
    allows them, and callbacks that are no known connector's. Public clients must use PKCE S256
    (``Application.pkce_required`` and the RFC 9700 PKCE gate).
    """
    grant_types = _strings(data.get("grant_types", ["authorization_code"]), "grant_types")
    if "authorization_code" not in grant_types or not set(grant_types) <= REGISTRABLE_GRANT_TYPES:
        raise RegistrationRefused(
            "invalid_client_metadata", "grant_types may only be authorization_code and refresh_token."
        )
    if set(_strings(data.get("response_types", ["code"]), "response_types")) != {"code"}:
        raise RegistrationRefused("invalid_client_metadata", "response_types may only be code.")
    method = data.get("token_endpoint_auth_method", CONFIDENTIAL_AUTH_METHODS[0])
    confidential_allowed = ClientRegistrationPolicy.current().allow_confidential_clients
    if method != "none" and not (confidential_allowed and method in CONFIDENTIAL_AUTH_METHODS):
        raise RegistrationRefused(
            "invalid_client_metadata",
            "Register a public client: token_endpoint_auth_method 'none', with PKCE (S256) at sign-in.",
        )
    try:
        redirect_uris = _strings(data.get("redirect_uris"), "redirect_uris")
    except RegistrationRefused as refused:
        raise RegistrationRefused("invalid_redirect_uri", refused.description) from None
    refused_uris = disallowed_redirect_uris(redirect_uris) if redirect_uris else ["(none given)"]
    if refused_uris:
        raise RegistrationRefused(
            "invalid_redirect_uri",
            f"Not a known ChatGPT or Claude callback: {' '.join(refused_uris)}. Ask the portal's admin to "
            "list it under the client registration policy.",
        )


def _strings(value, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise RegistrationRefused("invalid_client_metadata", f"{name} must be an array of strings.")
    return value


class _RegistrationThrottle(SimpleRateThrottle):
    """DRF's cache-backed rate throttle, keyed by the address the sign-in lockout uses."""

    rate_setting = ""

    def get_rate(self) -> str:
        return getattr(rolegate_settings, self.rate_setting)

    def get_ident(self, request) -> str:
        # Not DRF's own: it would trust a client-sent X-Forwarded-For. This honours TRUSTED_PROXY_COUNT.
        return get_client_ip_address(request) or ""


class RegistrationAddressThrottle(_RegistrationThrottle):
    """Registrations from one client address (``CLIENT_REGISTRATION_RATE_PER_ADDRESS``)."""

    scope, rate_setting = "client_registration_address", "CLIENT_REGISTRATION_RATE_PER_ADDRESS"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class RegistrationGlobalThrottle(_RegistrationThrottle):
    """Registrations from everywhere together (``CLIENT_REGISTRATION_RATE_GLOBAL``)."""

    scope, rate_setting = "client_registration_global", "CLIENT_REGISTRATION_RATE_GLOBAL"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": "all"}


def registration_wait_seconds(request) -> int | None:
    """Seconds to wait before registering again, or None when this registration is within both rates."""
    for throttle in (RegistrationAddressThrottle(), RegistrationGlobalThrottle()):
        if not throttle.allow_request(request, None):
            return max(1, math.ceil(throttle.wait() or 1))
    return None
