"""
Core settings: the environment, Rolegate's own settings, apps, middleware, database, cache,
static files and HTTPS. The other modules of this package read what they share from here.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp import constants as csp_constants

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

# ---------------------------------------------------------------- core
DEBUG = env.bool("DEBUG", default=False)
# Production has no default secret; the demo (DEBUG on) gets an obviously insecure one.
SECRET_KEY = env("SECRET_KEY", default="insecure-rolegate-demo-key" if DEBUG else environ.Env.NOTSET)

# ---------------------------------------------------------------- Rolegate (read through roles.conf.rolegate_settings)
# Rolegate's own settings, each with its default and meaning in roles/conf.py (DEFAULTS). The
# public base URL is the token issuer and the host that ChatGPT calls: OAuth endpoints, the API
# and the admin all live under it. A revocation reaches every API process within about
# ACCESS_REVOCATION_REFRESH_SECONDS. List totals above LIST_COUNT_CACHE_MIN_ROWS rows are cached.
ROLEGATE = {
    "PORTAL_BASE_URL": env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/"),
    "API_AUDIENCE": env.str("API_AUDIENCE", default=None),
    "ACCESS_TOKEN_TTL_SECONDS": env.int("ACCESS_TOKEN_TTL_SECONDS", default=900),
    "REFRESH_TOKEN_TTL_SECONDS": env.int("REFRESH_TOKEN_TTL_SECONDS", default=30 * 24 * 3600),
    "REFRESH_TOKEN_MAX_AGE_SECONDS": env.int("REFRESH_TOKEN_MAX_AGE_SECONDS", default=90 * 24 * 3600),
    "ID_TOKEN_ON_REFRESH": env.bool("ID_TOKEN_ON_REFRESH", default=False),
    "ACCESS_TOKEN_MAX_BYTES": env.int("ACCESS_TOKEN_MAX_BYTES", default=8192),
    "ACCESS_TOKEN_LEEWAY_SECONDS": env.int("ACCESS_TOKEN_LEEWAY_SECONDS", default=30),
    "SIGNING_KEYS_CACHE_SECONDS": env.int("SIGNING_KEYS_CACHE_SECONDS", default=60),
    "ACCESS_REVOCATION_REFRESH_SECONDS": env.float("ACCESS_REVOCATION_REFRESH_SECONDS", default=1.0),
    "API_RATE_PER_USER": env.str("API_RATE_PER_USER", default="120/min"),
    "API_RATE_PER_CONNECTION": env.str("API_RATE_PER_CONNECTION", default="1200/min"),
    "LIST_COUNT_CACHE_MIN_ROWS": env.int("LIST_COUNT_CACHE_MIN_ROWS", default=10_000),
    "LIST_COUNT_CACHE_SECONDS": env.int("LIST_COUNT_CACHE_SECONDS", default=60),
    "CLIENT_REGISTRATION_ENABLED": env.bool("CLIENT_REGISTRATION_ENABLED", default=True),
    "CLIENT_REGISTRATION_RATE_PER_ADDRESS": env.str("CLIENT_REGISTRATION_RATE_PER_ADDRESS", default="20/hour"),
    "CLIENT_REGISTRATION_RATE_GLOBAL": env.str("CLIENT_REGISTRATION_RATE_GLOBAL", default="200/hour"),
    "LOGIN_ADDRESS_FAILURE_LIMIT": env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=100),
    "METRICS_ALLOWED_IPS": env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1/32", "::1/128"]),
    "METRICS_TOKEN": env.str("METRICS_TOKEN", default=""),
    "ACTION_CALL_FLUSH_SECONDS": env.float("ACTION_CALL_FLUSH_SECONDS", default=1.0),
    "ACTION_CALL_BUFFER_SIZE": env.int("ACTION_CALL_BUFFER_SIZE", default=1000),
}
ROLEGATE = {name: value for name, value in ROLEGATE.items() if value is not None}  # None: roles.conf derives it
_PORTAL_URL = ROLEGATE["PORTAL_BASE_URL"]

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=sorted({"127.0.0.1", "localhost", urlsplit(_PORTAL_URL).hostname}))
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[_PORTAL_URL])

# ---------------------------------------------------------------- apps
DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
]
THIRD_PARTY_APPS = [
    "oauth2_provider",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "django_prometheus",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "import_export",
    # Two-step sign-in: authenticator apps (TOTP), recovery codes, passkeys (WebAuthn); see accounts.mfa.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
]
LOCAL_APPS = [
    "accounts",
    "roles",
    "actions_api",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    # First: every log line of the request, its response and its Action-call row carry its id.
    "actions_api.request_ids.RequestIdMiddleware",
    # Requests and latency for /metrics (paired with the per-view one, last).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # PostgreSQL refuses text with NUL bytes: such requests get a 400 before any lookup.
    "accounts.middleware.RejectNulBytesMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Machine calls (ROLEGATE MACHINE_PATHS: the API, MCP, DOT's client endpoints, SCIM) jump from here
    # to BrowserMiddlewareEnd: what lies between serves browser pages only (accounts.machine_calls).
    "accounts.machine_calls.SkipBrowserMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # A signed-in user who must pass (or set up) a second factor sees only those pages until they do.
    "accounts.mfa.middleware.MfaGateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.machine_calls.BrowserMiddlewareEnd",
    # The signed-in user, or the API caller DRF authenticated, is the actor of what the request changes.
    "roles.audit.middleware.AuditActorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # One row per /api/v1/ request for the admin's "Action calls" log (no token stored), written in batches.
    "actions_api.call_log.ActionCallLogMiddleware",
    # django-csp's policy on HTML pages, "default-src 'none'" on the rest (accounts.middleware).
    "accounts.middleware.HtmlPolicyCSPMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into its lockout page.
    "axes.middleware.AxesMiddleware",
    # django-prometheus's per-view series that operators read (actions_api.metrics).
    "actions_api.metrics.ViewMetricsMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# ---------------------------------------------------------------- data
# SQLite is the embedded default for the demo; production uses PostgreSQL (psycopg 3).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---------------------------------------------------------------- database connection pool (PostgreSQL)
# Under uvicorn every request runs in a thread of its own, so persistent per-thread connections
# grow without bound. Each process instead keeps a psycopg pool (Django's built-in support, which
# requires CONN_MAX_AGE = 0): at most DB_POOL_MAX_SIZE connections; a request that waits longer
# than DB_POOL_TIMEOUT_SECONDS for one gets a 503 (actions_api.unavailable), never a hang.
# Sizing: processes on all hosts x DB_POOL_MAX_SIZE < PostgreSQL's max_connections (docs/DEPLOYMENT.md).
DB_POOL_MIN_SIZE = env.int("DB_POOL_MIN_SIZE", default=1)
DB_POOL_MAX_SIZE = env.int("DB_POOL_MAX_SIZE", default=8)
DB_POOL_TIMEOUT_SECONDS = env.float("DB_POOL_TIMEOUT_SECONDS", default=3.0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": DB_POOL_MIN_SIZE,
        "max_size": DB_POOL_MAX_SIZE,
        "timeout": DB_POOL_TIMEOUT_SECONDS,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)

# ---------------------------------------------------------------- shared cache (Redis)
# Rate-limit counters and the revocation list's copy live in the cache: one process can use its
# own memory; more than one process needs REDIS_URL (`check --deploy` warns without it). Every
# cache call gives up after CACHE_TIMEOUT_SECONDS, so a hung Redis cannot hang requests, and while
# Redis is down or hung each process serves from its own memory (roles.resilient_cache): Redis
# accelerates, PostgreSQL decides.
REDIS_URL = env.str("REDIS_URL", default="")
CACHE_TIMEOUT_SECONDS = env.float("CACHE_TIMEOUT_SECONDS", default=0.25)
if REDIS_URL:
    CACHES = {"default": env.cache_url("REDIS_URL", backend="roles.resilient_cache.FailSoftRedisCache")}
    CACHES["default"].setdefault("OPTIONS", {})
    CACHES["default"]["OPTIONS"].setdefault("socket_connect_timeout", CACHE_TIMEOUT_SECONDS)
    CACHES["default"]["OPTIONS"].setdefault("socket_timeout", CACHE_TIMEOUT_SECONDS)
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


# ---------------------------------------------------------------- static files, i18n
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# ---------------------------------------------------------------- security
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
_SERVED_OVER_HTTPS = _PORTAL_URL.startswith("https://")
SESSION_COOKIE_SECURE = _SERVED_OVER_HTTPS
CSRF_COOKIE_SECURE = _SERVED_OVER_HTTPS
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_SERVED_OVER_HTTPS)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if _SERVED_OVER_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _SERVED_OVER_HTTPS
# Only allows submitting the domain to the browsers' HSTS preload list; set false to rule that out.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=_SERVED_OVER_HTTPS)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"


# ---------------------------------------------------------------- content security policy (django-csp)
# The portal's pages load only their own assets and may not be framed (clickjacking of the
# login and consent pages). No form-action: the consent form redirects to the client's callback.
CONTENT_SECURITY_POLICY = {
    # The API docs send a policy of their own (actions_api.views.ApiDocsView): Redoc needs an inline
    # script, inline styles and a worker, still all from the portal.
    "EXCLUDE_URL_PREFIXES": ["/api/docs/"],
    "DIRECTIVES": {
        "default-src": [csp_constants.SELF],
        "img-src": [csp_constants.SELF, "data:"],
        "object-src": [csp_constants.NONE],
        "base-uri": [csp_constants.NONE],
        "frame-ancestors": [csp_constants.NONE],
    },
}
