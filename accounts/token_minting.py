"""Minting access tokens: RFC 9068 JWTs carrying the user's identity and effective claims (format in `token_format`)."""

from __future__ import annotations

import functools
import secrets
import time
import uuid

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from accounts.metrics import TOKENS_ISSUED
from accounts.mfa.methods import sign_in_claims
from accounts.signing_keys import active_signing_key
from accounts.token_format import ACCESS_TOKEN_TYPE, ALGORITHM
from roles.claims import AccessClaims, effective_claims
from roles.conf import rolegate_settings


def access_token_payload(
    *,
    user,
    connection,
    scopes: list[str],
    issued_at: int,
    audience: str | None = None,
    claims: AccessClaims | None = None,
    sign_in: dict | None = None,
) -> dict:
    """
    The claims of an access token for `user` through `connection`: for `audience` (the API's
    by default) and carrying access `claims` (computed now if not given); `sign_in` adds how
    the user signed in (`amr`, `acr`).
    """
    if claims is None:
        claims = effective_claims(user=user, connection=connection)
    return {
        "iss": rolegate_settings.PORTAL_BASE_URL,
        "sub": str(user.pk),
        # The resource the client asked for (RFC 8707), bound by the OAuth validator; else the API.
        "aud": audience or rolegate_settings.API_AUDIENCE,
        "iat": issued_at,
        "nbf": issued_at,
        "exp": issued_at + rolegate_settings.ACCESS_TOKEN_TTL_SECONDS,
        "jti": uuid.uuid4().hex,
        "client_id": connection.client_id,
        "scope": " ".join(scopes),
        "preferred_username": user.get_username(),
        "name": user.display_name,
        "email": user.email,
        **claims.as_token_claims(),
        **(sign_in or {}),
    }


def sign_access_token(payload: dict) -> str:
    key = active_signing_key()
    return jwt.encode(
        payload,
        _private_key(key.private_key_pem),
        algorithm=ALGORITHM,
        headers={"kid": key.kid, "typ": ACCESS_TOKEN_TYPE},
    )


@functools.lru_cache(maxsize=8)
def _private_key(pem: str):
    """Loading (and validating) an RSA key costs ~50 ms, 100x the signature: keep the few keys a process uses."""
    return load_pem_private_key(pem.encode("ascii"), password=None)


def generate_access_token(request, refresh_token: bool = False) -> str:
    """
    DOT's ``ACCESS_TOKEN_GENERATOR``: oauthlib calls it at every code exchange and refresh
    with the validated request (user, client and granted scopes already set).
    """
    payload = access_token_payload(
        user=request.user,
        connection=request.client,
        scopes=list(request.scopes),
        issued_at=int(time.time()),
        audience=getattr(request, "token_audience", None),
        claims=request_claims(request),
        sign_in=sign_in_claims(getattr(request, "amr", None)),
    )
    token = sign_access_token(payload)
    TOKENS_ISSUED.labels(grant_type=request.grant_type or "unknown").inc()
    return token


def generate_refresh_token(request) -> str:
    """
    A refresh token: 32 bytes from the operating system's CSPRNG, URL-safe (256 bits). oauthlib's
    ``random_token_generator`` draws its 30 characters (178 bits) one ``SystemRandom.choice``
    at a time, each a system call: ~0.1 ms of every grant's CPU for less entropy.
    """
    return secrets.token_urlsafe(32)


def request_claims(request) -> AccessClaims:
    """
    The effective claims of an oauthlib token request's user, computed once per request: the
    access token and the ID token of one grant both carry them (three queries each time).
    """
    claims = getattr(request, "rolegate_claims", None)
    if claims is None:
        claims = request.rolegate_claims = effective_claims(
            user=request.user, connection=request.client, amr=getattr(request, "amr", None)
        )
    return claims
