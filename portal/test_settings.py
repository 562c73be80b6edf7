"""Settings for the test suite: the real settings, pointed at PostgreSQL by default."""

import os

os.environ.setdefault("SECRET_KEY", "insecure-rolegate-test-key")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rolegate")

from portal.settings import *  # noqa: E402,F403

# Hashing with the production hasher costs ~0.3 s per sign-in; tests sign in hundreds of times.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", "accounts.hashers.ClientSecretHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
