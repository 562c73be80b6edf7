"""
The one bearer pipeline of the REST API and the MCP endpoint (RFC 6750).

:class:`BearerPipeline` turns an ``Authorization`` header into a :class:`VerifiedToken` for one
audience: it parses the header, verifies the JWT, consults the revocation list and checks the
scope, or raises a :class:`BearerRefusal` (status, RFC 6750 error code, description). It also
builds the ``WWW-Authenticate`` challenge, with every echoed value reduced to header-safe
ASCII: a forged token's text never makes a response unencodable. DRF's
``AccessTokenAuthentication`` and the MCP ``BearerGate`` only translate these to their frameworks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from prometheus_client import Counter

from actions_api.revocation_list import revocations
from actions_api.token_verification import InvalidAccessToken, VerifiedToken, verify_access_token

REALM = "rolegate"
API_SCOPE = "api"
MISSING_TOKEN = (
    "No access token was sent. Send 'Authorization: Bearer <access token>'; in the GPT editor set "
    "the Action's Authentication to OAuth."
)
REVOKED = "The access token was revoked. Sign in again to get a new one."
SCOPE_MISSING = (
    f"The access token was not granted the '{API_SCOPE}' scope. In the GPT editor leave Scope empty "
    f"or include '{API_SCOPE}', then sign in again."
)
_NOT_HEADER_SAFE = re.compile(r"[^\x20-\x7e]")

TOKEN_REFUSALS = Counter("rolegate_token_refusals", "Bearer tokens refused, by reason.", ["reason"])


class BearerRefusal(Exception):
    """A refused request: its HTTP status, RFC 6750 error code and a description safe to show."""

    def __init__(self, status: int, error: str, description: str, *, reason: str = "") -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description
        self.reason = reason or error


def header_safe(value: str) -> str:
    """`value` as printable ASCII fit for a quoted-string: other characters become '?', '"' and '\\' become "'"."""
    return _NOT_HEADER_SAFE.sub("?", value).replace('"', "'").replace("\\", "'")


class BearerPipeline:
    """`Authorization: Bearer <JWT>` -> the verified token for `audience`, or a BearerRefusal."""

    def __init__(self, *, audience: Callable[[], str], challenge_params: Callable[[], Mapping[str, str]] = dict):
        self.audience = audience
        self.challenge_params = challenge_params

    def authenticate(self, authorization: str | bytes | None) -> VerifiedToken | None:
        """None when no credentials were sent (the caller answers 401 with the bare challenge)."""
        try:
            return self._authenticate(authorization)
        except BearerRefusal as refusal:
            TOKEN_REFUSALS.labels(reason=refusal.reason).inc()
            raise

    def _authenticate(self, authorization: str | bytes | None) -> VerifiedToken | None:
        if isinstance(authorization, bytes):
            authorization = authorization.decode("latin-1")
        parts = (authorization or "").split()
        if not parts:
            return None
        if parts[0].lower() != "bearer":
            raise BearerRefusal(
                401,
                "invalid_request",
                "The Authorization header must use the Bearer scheme: 'Authorization: Bearer <access token>'.",
            )
        if len(parts) != 2:
            raise BearerRefusal(
                401, "invalid_request", "The Authorization header must be exactly 'Bearer <access token>'."
            )
        if not parts[1].isascii():
            raise BearerRefusal(401, "invalid_token", "The access token is malformed.")
        try:
            token = verify_access_token(parts[1], audience=self.audience())
        except InvalidAccessToken as error:
            raise BearerRefusal(401, "invalid_token", str(error)) from None
        if revocations.is_revoked(token):
            raise BearerRefusal(401, "invalid_token", REVOKED, reason="revoked")
        if API_SCOPE not in token.scopes:
            raise BearerRefusal(403, "insufficient_scope", SCOPE_MISSING)
        return token

    def challenge(self, refusal: BearerRefusal | None = None) -> str:
        """The WWW-Authenticate value: realm and this endpoint's parameters, plus the refusal's error."""
        params = {"realm": REALM, **self.challenge_params()}
        if refusal is not None:
            params.update(error=refusal.error, error_description=refusal.description)
            if refusal.error == "insufficient_scope":
                params.setdefault("scope", API_SCOPE)
        return "Bearer " + ", ".join(f'{name}="{header_safe(value)}"' for name, value in params.items())
