"""
The resources a token may be issued for (RFC 8707 resource indicators), and its audience.

A token carries exactly one audience, so a protected resource can refuse tokens meant for
another: the REST API (``API_AUDIENCE``) or the MCP endpoint (``MCP_RESOURCE``). A client that
names no resource (ChatGPT's GPT Actions never do) gets a token for the REST API.
"""

from __future__ import annotations

from collections.abc import Sequence

from roles.conf import rolegate_settings


class UnknownResource(ValueError):
    """The client asked for a resource this portal does not serve; `str(exc)` says what it does serve."""


def known_resources() -> tuple[str, ...]:
    return (rolegate_settings.API_AUDIENCE, rolegate_settings.MCP_RESOURCE)


def token_audience(*, requested: Sequence[str], granted: Sequence[str] = ()) -> str:
    """
    The `aud` of a token requested for `requested` under a grant made for `granted`.

    At the token endpoint a client may repeat or narrow the resource it was granted, never
    widen it; with none requested the grant's own resource applies.
    """
    requested_set, granted_set = {_canonical(uri) for uri in requested}, {_canonical(uri) for uri in granted}
    if requested_set and granted_set and not requested_set <= granted_set:
        raise UnknownResource(f"The resource {sorted(requested_set - granted_set)} was not part of the authorization.")
    resources = requested_set or granted_set
    if not resources:
        return rolegate_settings.API_AUDIENCE
    if len(resources) > 1:
        raise UnknownResource("Ask for one resource per token: " + _served())
    (resource,) = resources
    if resource not in {_canonical(known) for known in known_resources()}:
        raise UnknownResource(f"This portal issues no tokens for '{resource}'. " + _served())
    return resource


def _canonical(uri: str) -> str:
    """`https://host/mcp/` and `https://host/mcp` name the same resource (MCP clients send either)."""
    return uri.rstrip("/")


def _served() -> str:
    return "it serves " + " and ".join(f"'{resource}'" for resource in known_resources()) + "."
