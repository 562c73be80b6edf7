"""The public signing keys, held in process memory so verifying a token needs no query."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import jwt
from cachetools import TLRUCache, cached

from accounts.models import SigningKey
from accounts.token_format import ALGORITHM
from roles.conf import rolegate_settings


@dataclass(frozen=True)
class PublishedKeys:
    by_kid: dict[str, jwt.PyJWK]
    loaded_at: float  # on the monotonic clock


def _clock() -> float:
    return time.monotonic()


def _fresh_until(_key, _keys: PublishedKeys, now: float) -> float:
    return now + rolegate_settings.SIGNING_KEYS_CACHE_SECONDS


_cache = TLRUCache(maxsize=1, ttu=_fresh_until, timer=_clock)
_loading = threading.Condition()  # one load at a time; the other threads wait for its result


@cached(_cache, key=lambda: "published", lock=_loading, condition=_loading)
def _published_keys() -> PublishedKeys:
    keys = SigningKey.objects.published()
    return PublishedKeys({key.kid: jwt.PyJWK(key.public_jwk, algorithm=ALGORITHM) for key in keys}, _clock())


class PublicKeySet:
    """
    `kid` -> public key for every published signing key.

    Reloaded when older than ``SIGNING_KEYS_CACHE_SECONDS`` (so a rotation reaches every
    process without a restart), or when a token names a `kid` not seen yet, but then at most
    once per ``SIGNING_KEYS_MIN_RELOAD_SECONDS`` (tokens with made-up kids cost no queries).
    """

    def get(self, kid: str) -> jwt.PyJWK | None:
        published = _published_keys()
        if (
            kid not in published.by_kid
            and _clock() - published.loaded_at > rolegate_settings.SIGNING_KEYS_MIN_RELOAD_SECONDS
        ):
            published = self.reload()
        return published.by_kid.get(kid)

    def clear(self) -> None:
        """Forget every key; the next lookup reloads."""
        _published_keys.cache_clear()

    def reload(self) -> PublishedKeys:
        self.clear()
        return _published_keys()


public_keys = PublicKeySet()
