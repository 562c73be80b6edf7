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
from collections.abc import Mapping, Sequence
from functools import partial

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
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

# count_and_read as one Redis command (EVALSHA): half the client CPU of a six-command pipeline, and
# atomic as a whole. KEYS: the counters to count, then those to read. ARGV: how many to count, then
# each counted key's expiry in seconds, set only when the counter is created (SET NX EX).
COUNT_AND_READ = """
local counted = tonumber(ARGV[1])
local replies = {}
for index, key in ipairs(KEYS) do
    if index <= counted then
        redis.call('SET', key, 0, 'EX', ARGV[index + 1], 'NX')
        replies[index] = redis.call('INCR', key)
    else
        replies[index] = redis.call('GET', key)
    end
end
return replies
"""


def count_and_read(cache, counted: Mapping[str, int], read: Sequence[str]) -> tuple[list[int], list[int | None]]:
    """
    Adds one to each counter of `counted` (created with that timeout in seconds) and reads the
    counters `read`: their new and current values, in order. With :class:`FailSoftRedisCache`
    that is one round trip, atomic per counter; any other cache does it with its own calls.
    """
    if isinstance(cache, FailSoftRedisCache):
        return cache.count_and_read(counted, read)
    counts = []
    for key, timeout in counted.items():
        cache.add(key, 0, timeout)
        try:
            counts.append(cache.incr(key))
        except ValueError:  # expired between the two calls
            cache.set(key, 1, timeout)
            counts.append(1)
    values = cache.get_many(read)
    return counts, [values.get(key) for key in read]


def shared_cache_answering() -> bool:
    """False while the shared cache is out (always True for a per-process cache)."""
    return not outage.ongoing


class ClientPerPoolRedisCacheClient(RedisCacheClient):
    """
    Django's Redis cache client, keeping one redis-py client per connection pool.

    Django builds a new ``redis.Redis`` on every cache call, and redis-py fills its tables of
    response callbacks in each constructor: measured, that was a third of the CPU the API's
    rate limits cost per request. A client is safe to share between threads (each command
    borrows a connection from the pool, which is also what makes it safe after a fork).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))  # pools live as long as this object: their ids stay theirs
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class FailSoftRedisCache(RedisCache):
    """Django's Redis cache that serves from a per-process memory cache while Redis does not answer."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = ClientPerPoolRedisCacheClient
        self._fallback = LocMemCache("rolegate-cache-fallback", params)
        self._count_and_read_script = None  # registered with the first client

    def _call(self, operation: str, *args, **kwargs):
        return self._fail_soft(
            operation, getattr(super(), operation), getattr(self._fallback, operation), *args, **kwargs
        )

    def _fail_soft(self, operation: str, shared, fallback, *args, **kwargs):
        if outage.available():
            try:
                result = shared(*args, **kwargs)
            except RedisError as error:
                outage.failed(error)
            else:
                outage.answered()
                return result
        CACHE_FALLBACKS.labels(operation=operation).inc()
        return fallback(*args, **kwargs)

    def count_and_read(self, counted: Mapping[str, int], read: Sequence[str]) -> tuple[list[int], list[int | None]]:
        """:func:`count_and_read` in one Redis call (a script), or in the fallback while Redis is out."""
        return self._fail_soft(
            "count_and_read", self._scripted_count_and_read, partial(count_and_read, self._fallback), counted, read
        )

    def _scripted_count_and_read(self, counted: Mapping[str, int], read: Sequence[str]):
        client = self._cache.get_client(write=True)
        if self._count_and_read_script is None:
            self._count_and_read_script = client.register_script(COUNT_AND_READ)
        keys = [self.make_key(key) for key in (*counted, *read)]  # ours, no need for memcached's key warnings
        replies = self._count_and_read_script(keys=keys, args=[len(counted), *counted.values()], client=client)
        return replies[: len(counted)], [None if value is None else int(value) for value in replies[len(counted) :]]

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
