"""
Verifying access tokens: signature, issuer, audience, lifetime and shape, with no query. The
format they must have is defined once, in `accounts.token_format`.

Every refusal is an :class:`InvalidAccessToken` whose message tells a GPT builder what is
wrong and what to do; nothing else escapes (a malformed token never becomes a 500).

A client sends the same access token with every call for up to its lifetime, so a token that
verified is remembered by its exact text (:class:`VerifiedTokenMemo`) and not parsed again while
nothing that decided its verification has changed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import jwt
from cachetools import LRUCache

from accounts.token_format import ACCESS_TOKEN_TYPE, ALGORITHMS, HEADER_FIELDS, NUMERIC_DATE_CLAIMS, REQUIRED_CLAIMS
from actions_api.keyset import public_keys
from roles.claims import AccessClaims
from roles.conf import rolegate_settings


class InvalidAccessToken(Exception):
    """The token cannot be trusted; `str(exc)` is safe to show to the caller."""


@dataclass(frozen=True)
class VerifiedToken:
    """An access token whose signature and claims were checked: what the API may trust."""

    subject: str
    username: str
    client_id: str
    scopes: frozenset[str]
    # What the token grants (roles, permissions, data scopes): what querysets are narrowed by.
    claims: AccessClaims
    # The whole verified JWT payload, read-only.
    payload: Mapping

    @property
    def token_id(self) -> str:
        return self.payload["jti"]


@dataclass(frozen=True)
class _Verification:
    """What a memoised token was verified against: a hit must still match all of it."""

    token: VerifiedToken
    kid: str
    key: jwt.PyJWK
    audience: str
    issuer: str


class VerifiedTokenMemo:
    """
    Recently verified tokens by their exact text, at most ``ACCESS_TOKEN_MEMO_SIZE`` per process
    (least recently used first out).

    Parsing a token again costs more than the rest of authentication (PyJWT checks every
    base64url character in Python, for the header and again for the whole token). A hit is
    returned only while a full verification would return the same now: the same audience and
    issuer are asked for, the token's `kid` still maps to the very key object that verified it
    (a retired key, or any reload of the key set, sends it through PyJWT again) and `exp`, `nbf`
    and `iat` still pass against the clock with ``ACCESS_TOKEN_LEEWAY_SECONDS``, exactly as
    PyJWT compares them. Anything else is a miss, so refusals keep PyJWT's verdict and their
    words. Revocation and scope are not memoised: :class:`actions_api.bearer.BearerPipeline`
    checks them on every request.
    """

    def __init__(self) -> None:
        self._entries: LRUCache = LRUCache(maxsize=0)  # sized by `put`, which reads the setting at use
        self._lock = threading.Lock()  # cachetools caches are not thread-safe

    def get(self, text: str, *, audience: str, issuer: str) -> VerifiedToken | None:
        with self._lock:
            entry = self._entries.get(text)
        if entry is None or entry.audience != audience or entry.issuer != issuer:
            return None
        payload, leeway, now = entry.token.payload, rolegate_settings.ACCESS_TOKEN_LEEWAY_SECONDS, time.time()
        current = payload["exp"] > now - leeway and max(payload["nbf"], payload["iat"]) <= now + leeway
        if not current or public_keys.get(entry.kid) is not entry.key:
            return None
        return entry.token

    def put(self, text: str, verification: _Verification) -> None:
        with self._lock:
            if self._entries.maxsize != rolegate_settings.ACCESS_TOKEN_MEMO_SIZE:
                self._entries = LRUCache(maxsize=rolegate_settings.ACCESS_TOKEN_MEMO_SIZE)
            self._entries[text] = verification

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


verified_tokens = VerifiedTokenMemo()


def verify_access_token(token: str, *, audience: str | None = None) -> VerifiedToken:
    """Verifies a token meant for `audience` (by default the REST API's, ``API_AUDIENCE``)."""
    audience = audience or rolegate_settings.API_AUDIENCE
    if len(token) > rolegate_settings.ACCESS_TOKEN_MAX_BYTES:
        raise InvalidAccessToken(f"The access token is longer than {rolegate_settings.ACCESS_TOKEN_MAX_BYTES} bytes.")
    issuer = rolegate_settings.PORTAL_BASE_URL
    verified = verified_tokens.get(token, audience=audience, issuer=issuer)
    if verified is None:
        kid, key = _signing_key(_checked_header(token))
        verified = _verified(token, key, audience=audience, issuer=issuer)
        verified_tokens.put(token, _Verification(verified, kid, key, audience, issuer))
    return verified


def _verified(token: str, key: jwt.PyJWK, *, audience: str, issuer: str) -> VerifiedToken:
    """PyJWT's verification of the signature and the registered claims, then the shape of ours."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=ALGORITHMS,
            audience=audience,
            issuer=issuer,
            leeway=rolegate_settings.ACCESS_TOKEN_LEEWAY_SECONDS,
            options={"require": REQUIRED_CLAIMS, "strict_aud": True},
        )
    except jwt.ExpiredSignatureError:
        raise InvalidAccessToken("The access token has expired. Refresh it or sign in again.") from None
    except jwt.InvalidAudienceError:
        raise InvalidAccessToken(
            f"The access token is for another audience; this API accepts only '{audience}'."
        ) from None
    except jwt.InvalidIssuerError:
        raise InvalidAccessToken(
            f"The access token was issued by another server; this API trusts only '{issuer}'."
        ) from None
    except jwt.ImmatureSignatureError:
        raise InvalidAccessToken("The access token is not valid yet (nbf or iat is in the future).") from None
    except jwt.MissingRequiredClaimError as error:
        raise InvalidAccessToken(f"The access token lacks the '{error.claim}' claim.") from None
    except jwt.InvalidSignatureError:
        raise InvalidAccessToken("The access token's signature does not verify.") from None
    except jwt.PyJWTError:
        raise InvalidAccessToken("The access token is malformed.") from None
    _check_numeric_dates(claims)
    return VerifiedToken(
        subject=_string(claims, "sub"),
        username=_string(claims, "preferred_username", required=False),
        client_id=_string(claims, "client_id"),
        scopes=frozenset(_string(claims, "scope", required=False).split()),
        claims=_access_claims(claims),
        payload=MappingProxyType(claims),
    )


def _checked_header(token: str) -> dict:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise InvalidAccessToken("The access token is not a JWT.") from None
    unexpected = set(header) - HEADER_FIELDS
    if unexpected:
        raise InvalidAccessToken(f"The access token's header carries fields this API refuses: {sorted(unexpected)}.")
    if header.get("alg") not in ALGORITHMS:
        raise InvalidAccessToken(f"The access token's algorithm must be one of {ALGORITHMS}.")
    if header.get("typ") != ACCESS_TOKEN_TYPE:
        raise InvalidAccessToken(
            f"This is not an access token (typ must be '{ACCESS_TOKEN_TYPE}'): send the access_token, "
            "not the id_token or refresh_token."
        )
    return header


def _signing_key(header: dict) -> tuple[str, jwt.PyJWK]:
    kid = header.get("kid")
    key = public_keys.get(kid) if isinstance(kid, str) else None
    if key is None:
        raise InvalidAccessToken("The access token was signed with a key this portal does not publish.")
    return kid, key


def _check_numeric_dates(claims: dict) -> None:
    for name in NUMERIC_DATE_CLAIMS:
        if type(claims[name]) is not int:  # noqa: E721 - bool is an int subclass and must not pass
            raise InvalidAccessToken(f"The access token's '{name}' claim must be an integer (seconds since the epoch).")


def _string(claims: dict, name: str, *, required: bool = True) -> str:
    value = claims.get(name, None if required else "")
    if not isinstance(value, str):
        raise InvalidAccessToken(f"The access token's '{name}' claim must be a string.")
    return value


def _access_claims(claims: dict) -> AccessClaims:
    roles, permissions, scopes = claims.get("roles", []), claims.get("permissions", []), claims.get("data_scopes", {})
    if not (_strings(roles) and _strings(permissions) and isinstance(scopes, dict)):
        raise InvalidAccessToken("The access token's roles, permissions or data_scopes are malformed.")
    if not all(isinstance(attribute, str) and _strings(values) for attribute, values in scopes.items()):
        raise InvalidAccessToken("The access token's data_scopes must map names to lists of strings.")
    return AccessClaims.build(roles=roles, permissions=permissions, data_scopes=scopes)


def _strings(value) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)
