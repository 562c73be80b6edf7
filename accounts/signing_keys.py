"""
The asymmetric keys that sign access and ID tokens.

Keys are stored in the database so that every process of a deployment signs with the same
key and publishes the same JWKS; the first process that needs one generates it. The settings
name this module by import string (DOT's ``OIDC_RSA_PRIVATE_KEY``), read at first use.
"""

from __future__ import annotations

import functools
import threading
import time

from cachetools import TLRUCache, cached
from django.utils.functional import lazy
from jwcrypto import jwk

from roles.conf import rolegate_settings


def _key_fresh_until(_key, _value, now: float) -> float:
    return now + rolegate_settings.ACTIVE_SIGNING_KEY_CACHE_SECONDS


# A process keeps signing with the key it last read for ACTIVE_SIGNING_KEY_CACHE_SECONDS (roles.conf):
# a token request reads the key several times (access token, ID token header and signature).
_reading = threading.Condition()  # one read (or first generation) at a time; other threads wait for it


_cache = TLRUCache(maxsize=1, ttu=_key_fresh_until, timer=lambda: time.monotonic())


@cached(_cache, key=lambda: "active", lock=_reading, condition=_reading)
def active_signing_key():
    """The key that signs from now on; created on first use when none exists."""
    from accounts.models import SigningKey

    return SigningKey.objects.active() or SigningKey.objects.generate()


def forget_active_signing_key() -> None:
    """The next signature reads the active key afresh (after a rotation in this process, or in tests)."""
    active_signing_key.cache_clear()


def _active_private_key_pem() -> str:
    return active_signing_key().private_key_pem


#: A string that is always the PEM of the active key: what DOT signs ID tokens with.
active_private_key_pem = lazy(_active_private_key_pem, str)()


@functools.lru_cache(maxsize=8)
def parsed_jwk(pem: str) -> jwk.JWK:
    """A key as jwcrypto uses it, parsed once per process: parsing (and validating) an RSA key costs
    more than signing."""
    return jwk.JWK.from_pem(pem.encode())
