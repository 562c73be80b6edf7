"""The public signing keys, held in process memory so verifying a token needs no query."""

from __future__ import annotations

import threading
import time

import jwt

from accounts.models import SigningKey
from accounts.token_format import ALGORITHM
from roles.conf import rolegate_settings


class PublicKeySet:
    """
    `kid` -> public key for every published signing key.

    Reloaded when older than ``SIGNING_KEYS_CACHE_SECONDS`` (so a rotation reaches every
    process without a restart) or when a token names a `kid` not seen yet.
    """

    def __init__(self) -> None:
        self._keys: dict[str, jwt.PyJWK] = {}
        self._loaded_at = float("-inf")
        self._lock = threading.Lock()

    def get(self, kid: str) -> jwt.PyJWK | None:
        age = time.monotonic() - self._loaded_at
        if age > rolegate_settings.SIGNING_KEYS_CACHE_SECONDS or (
            kid not in self._keys and age > rolegate_settings.SIGNING_KEYS_MIN_RELOAD_SECONDS
        ):
            self.reload()
        return self._keys.get(kid)

    def clear(self) -> None:
        """Forget every key; the next lookup reloads."""
        with self._lock:
            self._keys, self._loaded_at = {}, float("-inf")

    def reload(self) -> None:
        with self._lock:
            self._keys = {
                key.kid: jwt.PyJWK(key.public_jwk, algorithm=ALGORITHM) for key in SigningKey.objects.published()
            }
            self._loaded_at = time.monotonic()


public_keys = PublicKeySet()
