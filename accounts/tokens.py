"""Access tokens: RFC 9068 JWTs carrying the user's identity and effective claims."""

from __future__ import annotations

import time
import uuid

import jwt
from django.conf import settings

from accounts.signing_keys import active_signing_key
from roles.claims import effective_claims

ACCESS_TOKEN_TYPE = "at+jwt"


def access_token_payload(
    *, user, application, scopes: list[str], issued_at: int, audience: str | None = None
) -> dict:
    """The claims of an access token for `user` through `application`, computed now."""
    return {
        "iss": settings.PORTAL_BASE_URL,
        "sub": str(user.pk),
        # The resource the client asked for (RFC 8707), bound by the OAuth validator; else the API.
        "aud": audience or settings.API_AUDIENCE,
        "iat": issued_at,
        "nbf": issued_at,
        "exp": issued_at + settings.ACCESS_TOKEN_TTL_SECONDS,
        "jti": uuid.uuid4().hex,
        "client_id": application.client_id,
        "scope": " ".join(scopes),
        "preferred_username": user.get_username(),
        "name": user.display_name,
        "email": user.email,
        **effective_claims(user=user, application=application).as_token_claims(),
    }


def sign_access_token(payload: dict) -> str:
    key = active_signing_key()
    return jwt.encode(
        payload, key.private_key_pem, algorithm="RS256", headers={"kid": key.kid, "typ": ACCESS_TOKEN_TYPE}
    )


def generate_access_token(request, refresh_token: bool = False) -> str:
    """
    DOT's ``ACCESS_TOKEN_GENERATOR``: oauthlib calls it at every code exchange and refresh
    with the validated request (user, client and granted scopes already set).
    """
    payload = access_token_payload(
        user=request.user,
        application=request.client,
        scopes=list(request.scopes),
        issued_at=int(time.time()),
        audience=getattr(request, "token_audience", None),
    )
    return sign_access_token(payload)
