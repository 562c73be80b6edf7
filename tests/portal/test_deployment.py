"""
The production configuration of the README, checked in a fresh process (tests.fresh_process):
`manage.py check --deploy` (Django's security checks and django-oauth-toolkit's RFC 9700 gates)
and the headers and cookies it produces over HTTPS.
"""

from __future__ import annotations

import json
import os
import re
import secrets

import pytest

from tests.servers import servers_database_url


def production_env(**overrides: str) -> dict[str, str]:
    """The environment the README prescribes for production (no test settings, no debug)."""
    # Not this test run's settings, nor the browser tests' relaxed async check.
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rolegate")
    # More than one process serves in production: the shared cache is part of the prescription.
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/1")
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "PORTAL_BASE_URL": "https://portal.example.com",
            "ALLOWED_HOSTS": "portal.example.com",
            **overrides,
        }
    )
    return env


def issue_ids(output: str) -> set[str]:
    return set(re.findall(r"^\S*?: \(([\w.]+)\)", output, flags=re.MULTILINE))


def test_the_security_deploy_checks_pass_with_the_production_settings(fresh_process):
    result = fresh_process(
        "manage.py", "check", "--deploy", "--tag", "security", "--fail-level", "WARNING", env=production_env()
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_manage_py_check_deploy_reports_no_error_and_no_deployment_warning(fresh_process):
    result = fresh_process("manage.py", "check", "--deploy", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert issue_ids(result.stdout + result.stderr) == set(), result.stdout + result.stderr


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"SECRET_KEY": "short"}, "security.W009"),
        ({"DEBUG": "true"}, "security.W018"),
        ({"SECURE_HSTS_SECONDS": "0"}, "security.W004"),
        ({"REDIS_URL": ""}, "actions_api.W001"),
    ],
    ids=["weak-secret", "debug", "no-hsts", "no-shared-cache"],
)
def test_the_deploy_check_does_catch_a_weakened_configuration(fresh_process, overrides, expected):
    # Proof the check above can fail: each weakening is reported.
    result = fresh_process(
        "manage.py", "check", "--deploy", "--tag", "security", "--tag", "caches", env=production_env(**overrides)
    )
    assert expected in issue_ids(result.stdout + result.stderr), result.stdout + result.stderr


PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client, override_settings
client = Client()
# Production serves collected static files; this probe has not run collectstatic.
with override_settings(STORAGES={**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}):
    secure = client.get("/accounts/login/", secure=True, HTTP_HOST="portal.example.com")
    plain = client.get("/accounts/login/", HTTP_HOST="portal.example.com")
cookie = secure.cookies[settings.CSRF_COOKIE_NAME]
print(json.dumps({
    "hsts": secure.headers.get("Strict-Transport-Security"),
    "csrf_cookie_secure": bool(cookie["secure"]),
    "csrf_cookie_samesite": cookie["samesite"],
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "session_cookie_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "plain_status": plain.status_code,
    "plain_location": plain.headers.get("Location"),
    "frame": secure.headers.get("X-Frame-Options"),
    "csp": secure.headers.get("Content-Security-Policy"),
    "nosniff": secure.headers.get("X-Content-Type-Options"),
    "referrer": secure.headers.get("Referrer-Policy"),
    "redirect_schemes": settings.OAUTH2_PROVIDER["ALLOWED_REDIRECT_URI_SCHEMES"],
    "first_hasher": settings.PASSWORD_HASHERS[0],
}))
"""


def test_over_https_cookies_are_secure_and_hsts_is_sent(db, fresh_process):
    # The sign-in page reads the identity providers: the probe uses this run's migrated test database.
    result = fresh_process("-c", PROBE, env=production_env(DATABASE_URL=servers_database_url()))
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])

    assert seen["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert seen["csrf_cookie_secure"] and seen["session_cookie_secure"] and seen["session_cookie_httponly"]
    assert seen["plain_status"] == 301 and seen["plain_location"].startswith("https://portal.example.com/")
    assert seen["frame"] == "DENY" and "frame-ancestors 'none'" in seen["csp"]
    assert seen["nosniff"] == "nosniff"
    assert seen["referrer"] == "same-origin"  # RFC 9700 §4.2: no code or state in Referer to others
    assert seen["redirect_schemes"] == ["https"]
    assert seen["first_hasher"] == "accounts.hashers.PasswordHasher"
