"""Settings for the test suite: the real settings, pointed at PostgreSQL by default."""

import os

os.environ.setdefault("SECRET_KEY", "insecure-rolegate-test-key")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rolegate")

from portal.settings import *  # noqa: E402,F403

# Hashing with the production hasher costs ~0.3 s per sign-in; tests sign in hundreds of times.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", "accounts.hashers.ClientSecretHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Serve static files straight from the finders: tests never run collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# The live server's threads must not hold connections open past a test (the test DB is dropped);
# with PostgreSQL the pool already implies it.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# With REDIS_URL set (`make test` and CI set it), the suite runs on the shared cache like production;
# each pytest-xdist worker gets its own key prefix so parallel workers never see each other's counters.
if REDIS_URL:  # noqa: F405
    CACHES["default"]["KEY_PREFIX"] = f"rolegate-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"  # noqa: F405
