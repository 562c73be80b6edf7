"""
System checks of the shared cache: a configured cache that cannot work fails start-up
(``migrate``, ``check`` and the ASGI/WSGI apps run them), and ``check --deploy`` warns when a
production deployment has none (rate limits and revocation are then per process).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core import checks
from django.core.cache import InvalidCacheBackendError, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import ImproperlyConfigured

from actions_api.dependencies import cache_probe

PER_PROCESS_CACHES = (LocMemCache, DummyCache)


#: A process starting on a busy host may miss one short timeout: it tries a few times before refusing.
PROBE_ATTEMPTS, PROBE_PAUSE_SECONDS = 3, 0.5


def _probe_patiently() -> bool:
    for attempt in range(PROBE_ATTEMPTS):
        try:
            if cache_probe():
                return True
        except (ImportError, InvalidCacheBackendError):
            raise
        except Exception:  # noqa: BLE001, S112  (the client's connection and timeout errors)
            pass
        if attempt + 1 < PROBE_ATTEMPTS:
            time.sleep(PROBE_PAUSE_SECONDS)
    return False


@checks.register(checks.Tags.caches)
def check_cache_works(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """The default cache's backend imports (e.g. the `redis` client is installed) and answers."""
    backend = settings.CACHES["default"].get("BACKEND")
    try:
        answers = _probe_patiently()
    except (ImportError, InvalidCacheBackendError) as error:  # e.g. RedisCache without the `redis` client
        return [
            checks.Error(
                f"The cache backend {backend!r} cannot be loaded: {error}",
                hint="Install the project with its dependencies (pip install .), which include the Redis client.",
                id="actions_api.E001",
            )
        ]
    if not answers:
        return [
            checks.Error(
                f"The cache at {_location()} does not answer ({PROBE_ATTEMPTS} attempts, CACHE_TIMEOUT_SECONDS each).",
                hint="Start Redis or fix REDIS_URL; unset REDIS_URL only for a single process.",
                id="actions_api.E002",
            )
        ]
    return []


@checks.register(checks.Tags.caches, deploy=True)
def check_shared_cache_configured(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Production with several processes needs a shared cache."""
    if settings.DEBUG or not isinstance(caches["default"], PER_PROCESS_CACHES):
        return []
    return [
        checks.Warning(
            "No shared cache is configured: each process counts rate limits and keeps the revocation list on its own.",
            hint="Set REDIS_URL as soon as more than one process serves (uvicorn --workers, several hosts).",
            id="actions_api.W001",
        )
    ]


def _location() -> str:
    """The cache's address without credentials, for messages."""
    location = str(settings.CACHES["default"].get("LOCATION", ""))
    return location.rsplit("@", 1)[-1]


def ensure_cache_works() -> None:
    """
    Runs the cache checks and refuses to serve when one fails: ASGI/WSGI servers do not run
    system checks, and a worker whose cache cannot work would answer every API call with an error.
    """
    errors = [message for message in checks.run_checks(tags=[checks.Tags.caches]) if message.is_serious()]
    if errors:
        raise ImproperlyConfigured("\n".join(str(error) for error in errors))
