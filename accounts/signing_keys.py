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

from django.utils.functional import lazy
from jwcrypto import jwk

from roles.conf import rolegate_settings

# A process keeps signing with the key it last read for ACTIVE_SIGNING_KEY_CACHE_SECONDS (roles.conf):
# a token request reads the key several times (access token, ID token header and signature).

_active_key_lock = threading.Lock()
_active_key: tuple = (None, float("-inf"))  # (key, monotonic time it was read)


def active_signing_key():
    """The key that signs from now on; created on first use when none exists."""
    global _active_key
    key, read_at = _active_key
    if key is None or time.monotonic() - read_at > rolegate_settings.ACTIVE_SIGNING_KEY_CACHE_SECONDS:
        from accounts.models import SigningKey

        with _active_key_lock:
            key = SigningKey.objects.active() or SigningKey.objects.generate()
            _active_key = (key, time.monotonic())
    return key


def forget_active_signing_key() -> None:
    """The next signature reads the active key afresh (after a rotation in this process, or in tests)."""
    global _active_key
    _active_key = (None, float("-inf"))


def _active_private_key_pem() -> str:
    return active_signing_key().private_key_pem


#: A string that is always the PEM of the active key: what DOT signs ID tokens with.
active_private_key_pem = lazy(_active_private_key_pem, str)()


@functools.lru_cache(maxsize=8)
def parsed_jwk(pem: str) -> jwk.JWK:
    """A key as jwcrypto uses it, parsed once per process: parsing (and validating) an RSA key costs
    more than signing."""
    return jwk.JWK.from_pem(pem.encode())
