"""Settings for the test suite: the real settings, pointed at PostgreSQL by default."""

import os
from urllib.parse import urlsplit

os.environ.setdefault("SECRET_KEY", "insecure-rolegate-test-key")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rolegate")


def _redis_url_of_this_worker() -> str:
    """
    `cache.clear()` flushes a whole Redis database, so each pytest-xdist worker (gw0, gw1, ...) gets
    one of its own: REDIS_URL's index plus the worker's number (pytest-django gives each worker its own
    test database the same way). The result goes back into the environment, so the server processes
    a test starts use the worker's database too, and do not shift it a second time.
    """
    url, worker = os.environ.get("REDIS_URL", ""), os.environ.get("PYTEST_XDIST_WORKER", "")
    if not url or not worker or os.environ.get("ROLEGATE_TEST_REDIS_WORKER") == worker:
        return url
    parts = urlsplit(url)
    index = int(parts.path.strip("/") or 0) + int(worker.removeprefix("gw"))
    os.environ["REDIS_URL"] = url = parts._replace(path=f"/{index}").geturl()
    os.environ["ROLEGATE_TEST_REDIS_WORKER"] = worker
    return url


_redis_url_of_this_worker()

from portal.settings import *  # noqa: E402,F403

# The test databases' own `flush` (tests/database: restores the migrated snapshot instead of TRUNCATE).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.database"]
# Hashing with the production hasher costs ~0.3 s per sign-in; tests sign in hundreds of times.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", "accounts.hashers.ClientSecretHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Serve static files straight from the finders: tests never run collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# The live server's threads must not hold connections open past a test (the test DB is dropped);
# with PostgreSQL the pool already implies it.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# With REDIS_URL set (`make test` and CI set it), the suite runs on the shared cache like production,
# each pytest-xdist worker on a Redis database of its own (above).
