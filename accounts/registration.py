"""
Who may register a client, and with which callbacks (DOT's DCR and CIMD policy hooks).

Open registration is safe here because a registered client gains nothing by itself: its
redirect URIs must be known connector callbacks (so a stolen code cannot be sent to an
attacker's site), it must use PKCE, and every token it gets carries exactly the signing-in
user's own claims (``roles.claims.effective_claims``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from accounts.models import ClientRegistrationPolicy
from accounts.redirects import is_connector_callback


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
