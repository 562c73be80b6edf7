"""
The shared cache (Redis) as an accelerator that may fail: never the reason a request fails.

:class:`FailSoftRedisCache` is Django's own Redis backend whose every call falls back to a
per-process memory cache when Redis does not answer (down, or hung past the socket timeout).
After a failure Redis is skipped for ``CACHE_RETRY_SECONDS`` (:mod:`roles.conf`) so that a hung server costs one
timeout per second and process, not one per call. What degrades while Redis is out: rate
limits count per process, cached list totals and signing keys are per process. What does not:
revocations (PostgreSQL is their source of truth, see :mod:`actions_api.revocation_list`),
sign-in, consent and token issuance (sessions, lockouts and tokens live in the database).
Each outage is logged once when it starts and once when it ends, and counted in metrics.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from prometheus_client import Counter
from redis.exceptions import RedisError

from roles.conf import rolegate_settings

logger = logging.getLogger(__name__)

CACHE_OUTAGES = Counter("rolegate_cache_outages", "Times the shared cache stopped answering (per process).")
CACHE_FALLBACKS = Counter(
    "rolegate_cache_fallbacks",
    "Cache calls served by the per-process fallback while the shared cache was out.",
    ["operation"],
)


class CacheOutage:
    """This process's view of the shared cache: answering, or skipped until `retry_at`."""

    def __init__(self) -> None:
        self.retry_at = 0.0
        self.outages = 0  # how many outages this process saw: a change means "reload what you trust"
        self.ongoing = False
        self._lock = threading.Lock()

    def available(self) -> bool:
        return time.monotonic() >= self.retry_at

    def failed(self, error: Exception) -> None:
        with self._lock:
            self.retry_at = time.monotonic() + rolegate_settings.CACHE_RETRY_SECONDS
            if self.ongoing:
                return
            self.ongoing = True
            self.outages += 1
        CACHE_OUTAGES.inc()
        logger.warning("The shared cache does not answer (%s); serving from per-process memory until it does.", error)

    def answered(self) -> None:
        if self.ongoing:
            with self._lock:
                self.ongoing = False
            logger.warning("The shared cache answers again; rate limits are shared across processes again.")


outage = CacheOutage()


def shared_cache_answering() -> bool:
    """False while the shared cache is out (always True for a per-process cache)."""
    return not outage.ongoing


class FailSoftRedisCache(RedisCache):
    """Django's Redis cache that serves from a per-process memory cache while Redis does not answer."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._fallback = LocMemCache("rolegate-cache-fallback", params)

    def _call(self, operation: str, *args, **kwargs):
        if outage.available():
            try:
                result = getattr(super(), operation)(*args, **kwargs)
            except RedisError as error:
                outage.failed(error)
            else:
                outage.answered()
                return result
        CACHE_FALLBACKS.labels(operation=operation).inc()
        return getattr(self._fallback, operation)(*args, **kwargs)

    def probe(self, key: str, value: str) -> bool:
        """Stores and reads back `value` in Redis itself, never in the fallback: for health checks."""
        RedisCache.set(self, key, value, timeout=10)
        return RedisCache.get(self, key) == value

    def add(self, *args, **kwargs):
        return self._call("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._call("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._call("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._call("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._call("delete_many", *args, **kwargs)

    def clear(self):
        return self._call("clear")
