"""
Whether the services a process depends on answer right now: PostgreSQL and the configured cache.

Shared by the health endpoints and the start-up system check, so "reachable" means one thing.
"""

from __future__ import annotations

import logging
import uuid

from django.core.cache import cache
from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)

# What a cache outage means for callers, as /readyz and docs/DEPLOYMENT.md say it.
CACHE_DOWN_MEANS = (
    "The API keeps serving: rate limits are counted per process and the revocation list is read "
    "from the database (at most once per second per process) until the cache answers again."
)


def database_answers() -> bool:
    """True when a connection (from the pool, if any) runs `SELECT 1`."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.warning("The database does not answer", exc_info=True)
        return False
    return True


def cache_probe() -> bool:
    """Stores and reads back a value in the default cache; raises what the backend raises."""
    probe = uuid.uuid4().hex
    if hasattr(cache, "probe"):  # a fail-soft cache would answer from its per-process fallback
        return cache.probe("rolegate:probe", probe)
    cache.set("rolegate:probe", probe, timeout=10)
    return cache.get("rolegate:probe") == probe


def cache_answers() -> bool:
    """True when the default cache stores and returns a value (each call bounded by CACHE_TIMEOUT_SECONDS)."""
    try:
        return cache_probe()
    except Exception:  # noqa: BLE001  (each backend raises its own errors: redis.ConnectionError, TimeoutError…)
        logger.warning("The cache does not answer", exc_info=True)
        return False
