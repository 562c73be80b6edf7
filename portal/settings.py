"""
Rolegate settings, read from the environment (12-factor).

Every variable has a default that is safe for the local demo; production must set
SECRET_KEY, DEBUG=false, ALLOWED_HOSTS, PORTAL_BASE_URL and DATABASE_URL (see README).
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp import constants as csp_constants
from django.utils.functional import lazy
from django.utils.module_loading import import_string

BASE_DIR = Path(__file__).resolve().parent.parent

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
    # Requests by view, method and status for /metrics (paired with the "After" one, last).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # PostgreSQL refuses text with NUL bytes: such requests get a 400 before any lookup.
    "accounts.middleware.RejectNulBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # A signed-in user who must pass (or set up) a second factor sees only those pages until they do.
    "accounts.mfa.middleware.MfaGateMiddleware",
    "roles.audit.middleware.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # One row per /api/v1/ request for the admin's "Action calls" log (no token stored), written in batches.
    "actions_api.call_log.ActionCallLogMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into its lockout page.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
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

# ---------------------------------------------------------------- users and sign-in
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "connections"
LOGOUT_REDIRECT_URL = "login"
# A sign-in or consent page posted after it expired gets a page that says so, not Django's 403.
CSRF_FAILURE_VIEW = "accounts.views.csrf_failure"

# Argon2id first (OWASP ASVS V6.2.4) at OWASP's minimum parameters (accounts.hashers); the others
# only verify (and upgrade) older hashes, as are argon2 hashes with other parameters.
PASSWORD_HASHERS = [
    "accounts.hashers.PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    # OAuth client secrets are long random strings: a cheap hash suffices (see accounts.hashers).
    "accounts.hashers.ClientSecretHasher",
]
# django-axes checks the lockout before the password: it must come first.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# ---------------------------------------------------------------- email (password reset, invitations)
# EMAIL_URL (django-environ), e.g. smtp+tls://user:password@smtp.example.com:587. Unset: the demo
# prints emails to the server output; production sends none (invite_user then prints the link).
EMAIL_CONFIGURED = bool(env.str("EMAIL_URL", default=""))
vars().update(env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "dummymail://"))
DEFAULT_FROM_EMAIL = env.str("EMAIL_FROM", default="Rolegate <no-reply@localhost>")
# Password-reset and invitation links stop working after this long (and once used).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_SECONDS", default=3600)
INVITATION_TIMEOUT_SECONDS = env.int("INVITATION_TIMEOUT_SECONDS", default=7 * 24 * 3600)

# ---------------------------------------------------------------- two-step sign-in (django-otp)
OTP_TOTP_ISSUER = env.str("MFA_ISSUER_NAME", default="Rolegate")
# Passkeys: the relying party is the portal's host (a passkey works only there). Browsers refuse
# passkeys on an IP address, so the demo at http://127.0.0.1:8000 offers them at http://localhost:8000.
_portal = urlsplit(_PORTAL_URL)
_ON_AN_IP_ADDRESS = _portal.hostname in ("127.0.0.1", "::1")
PASSKEY_ORIGIN = f"{_portal.scheme}://localhost:{_portal.port or 80}" if _ON_AN_IP_ADDRESS else _PORTAL_URL
OTP_WEBAUTHN_RP_ID = urlsplit(PASSKEY_ORIGIN).hostname
OTP_WEBAUTHN_RP_NAME = OTP_TOTP_ISSUER
OTP_WEBAUTHN_ALLOWED_ORIGINS = [PASSKEY_ORIGIN]
# A passkey is a second factor after the password here (the password step keeps django-axes' lockout).
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False

# ---------------------------------------------------------------- federated sign-in (django-allauth)
# Identity providers (Entra ID, Google Workspace, Okta, …) live in the database (accounts.federation);
# allauth speaks the protocols. Its pages are under /auth/; the sign-in page stays /accounts/login/.
ACCOUNT_ADAPTER = "accounts.federation.adapter.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.federation.adapter.IdentityProviderAdapter"
# allauth's local-account pages (signup, password reset) stay off until something needs them.
SOCIALACCOUNT_ONLY = True
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_EMAIL_VERIFICATION = "none"
# Accounts are linked by (identity provider, subject); an email match links only when the admin allows it.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"OAUTH_PKCE_ENABLED": True}}

# ---------------------------------------------------------------- OAuth 2 / OpenID Connect
OAUTH2_PROVIDER_APPLICATION_MODEL = "accounts.Application"
# Whether MCP clients may register themselves (RFC 7591 dynamic registration and Client ID
# Metadata Documents). Admins can still close registration at run time ("Client registration
# policy" in the admin), and registered redirect URIs must be known connector callbacks.
_REGISTRATION = ROLEGATE["CLIENT_REGISTRATION_ENABLED"]
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    # The issuer is the public base URL itself, not DOT's request-derived `/o` URL.
    "OIDC_ISS_ENDPOINT": _PORTAL_URL,
    # Signing keys live in the database so every process shares them: this lazy string always
    # reads the key that currently signs (generated on first use), imported only when first read
    # (settings import no app code; DOT takes no import string for this key).
    "OIDC_RSA_PRIVATE_KEY": lazy(lambda: str(import_string("accounts.signing_keys.active_private_key_pem")), str)(),
    "OAUTH2_VALIDATOR_CLASS": "accounts.oauth_validators.RolegateOAuth2Validator",
    # Client secrets are random, so their hash needs no stretching: see accounts.hashers.
    "CLIENT_SECRET_HASHER": "pbkdf2_sha256_client_secret",
    "ACCESS_TOKEN_GENERATOR": "accounts.token_minting.generate_access_token",
    # Without this oauthlib reuses the access-token generator: refresh tokens would be JWTs.
    "REFRESH_TOKEN_GENERATOR": "oauthlib.oauth2.rfc6749.tokens.random_token_generator",
    "ACCESS_TOKEN_EXPIRE_SECONDS": ROLEGATE["ACCESS_TOKEN_TTL_SECONDS"],
    "REFRESH_TOKEN_EXPIRE_SECONDS": ROLEGATE["REFRESH_TOKEN_TTL_SECONDS"],
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "SCOPES": {
        "openid": "Confirm who you are",
        "profile": "See your name and username",
        "email": "See your email address",
        "api": "Read business data that your roles allow",
    },
    "DEFAULT_SCOPES": ["openid", "profile", "api"],
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"] if not DEBUG else ["https", "http"],
    # RFC 9700 gates: adopt the compliant behaviour now (default flips in DOT 4.0).
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    # An `http` redirect URI is a deploy-check error (production allows only https, above).
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    # MCP clients (ChatGPT apps, Claude connectors) registering themselves, and the rules for it.
    "DCR_ENABLED": _REGISTRATION,
    "DCR_REGISTRATION_PERMISSION_CLASSES": ("accounts.registration.RegistrationOpen",),
    "CIMD_ENABLED": _REGISTRATION,
    "CIMD_REGISTRATION_PERMISSION_CLASSES": (
        "accounts.registration.RegistrationOpen",
        "accounts.registration.AllowlistedMetadataHost",
    ),
    "OAUTH2_PROTECTED_RESOURCE_NAME": "Rolegate",
    # RFC 7592 registration access tokens (read/update/delete a registration) expire.
    "DCR_REGISTRATION_TOKEN_EXPIRE_SECONDS": env.int("CLIENT_REGISTRATION_TOKEN_TTL_SECONDS", default=24 * 3600),
}

# ---------------------------------------------------------------- the Actions API
REST_FRAMEWORK = {
    # Deny by default: every API view needs a verified access token and a declared permission.
    "DEFAULT_AUTHENTICATION_CLASSES": ["actions_api.authentication.AccessTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "actions_api.permissions.HasApiScope",
        "actions_api.permissions.HasRequiredPermission",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "actions_api.pagination.RowsPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "actions_api.exceptions.problem_exception_handler",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Per user and per connection, both counted in one cache round trip.
    "DEFAULT_THROTTLE_CLASSES": ["actions_api.throttling.TokenRateThrottle"],
}
# Request bodies: the API only reads, OAuth and sign-in forms are small (ChatGPT sends < 100 kB).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=256 * 1024)

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

# ---------------------------------------------------------------- sign-in lockout (django-axes)
# After LOGIN_FAILURE_LIMIT failed sign-ins for one username from one address, that username is
# locked at that address (only) for LOGIN_LOCKOUT_MINUTES: an attacker elsewhere cannot lock a
# user out. An address with LOGIN_ADDRESS_FAILURE_LIMIT failures (any usernames) is locked too,
# which stops password spraying yet leaves room for the failures of a whole office behind one NAT.
# The login page says so with a 429. See docs/SECURITY.md, "Sign-in lockout policy".
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "accounts.lockout.UsernameAtAddressLockout"
# A sign-in refused because of a lockout is not recorded: a correct password typed at a locked
# address never counts as a failure, and refused guesses do not prolong the lock.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Axes stores the typed username; cut to a username's length so an over-long one cannot fail the insert.
AXES_USERNAME_CALLABLE = "accounts.lockout.lockout_username"
# A success must not wipe the counters: with both parameters it would also clear the address's
# failures, letting a password sprayer reset them by signing in to an account of their own.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# Behind N reverse proxies, the client address is the N-th from the right of X-Forwarded-For;
# without proxies only REMOTE_ADDR counts (a client-sent X-Forwarded-For is never trusted).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT
    AXES_IPWARE_PROXY_ORDER = "right-most"
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")

# ---------------------------------------------------------------- content security policy (django-csp)
# The portal's pages load only their own assets and may not be framed (clickjacking of the
# login and consent pages). No form-action: the consent form redirects to the client's callback.
CONTENT_SECURITY_POLICY = {
    # ReDoc's page (served from drf-spectacular-sidecar, not a CDN) starts it with an inline script.
    "EXCLUDE_URL_PREFIXES": ["/api/docs/"],
    "DIRECTIVES": {
        "default-src": [csp_constants.SELF],
        "img-src": [csp_constants.SELF, "data:"],
        "object-src": [csp_constants.NONE],
        "base-uri": [csp_constants.NONE],
        "frame-ancestors": [csp_constants.NONE],
    },
}

# ---------------------------------------------------------------- logs and metrics (operators)
# LOG_FORMAT=json: one JSON object per line (python-json-logger), for log shippers; else plain
# text. Either way every line of a request carries its request id (actions_api.request_ids).
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
_LOG_FORMATTERS = {
    "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    "json": {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
        "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
    },
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "actions_api.request_ids.RequestIdLogFilter"}},
    "formatters": {"default": _LOG_FORMATTERS["json" if LOG_FORMAT == "json" else "text"]},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "default", "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # uvicorn's own lines (start-up, access log) in the same format.
    "loggers": {
        name: {"handlers": ["console"], "level": "INFO", "propagate": False} for name in ("uvicorn", "uvicorn.access")
    },
}
# /metrics (Prometheus, django-prometheus): answered only to ROLEGATE["METRICS_ALLOWED_IPS"] (reached
# directly, not through a proxy) or to `Authorization: Bearer METRICS_TOKEN`; anyone else gets a 404.

# ---------------------------------------------------------------- spreadsheets in the admin (django-import-export)
# Business data comes in and goes out as CSV or Excel; a cell starting with "=" is exported as
# text, so that opening an export never runs a formula someone typed into a customer's name.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
IMPORT_EXPORT_USE_TRANSACTIONS = True

# ---------------------------------------------------------------- OpenAPI document (GPT editor)
SPECTACULAR_SETTINGS = {
    "TITLE": "Rolegate Actions API",
    "DESCRIPTION": (
        "Business data filtered by the signed-in user's roles. Call getMe first: it shows the roles, "
        "permissions and data scopes the API read from the access token. Errors are problem+json "
        "documents whose 'detail' says what went wrong and how to fix it."
    ),
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    # The schema and docs are public; the API's own authentication would demand a token.
    "SERVE_AUTHENTICATION": [],
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # servers = PORTAL_BASE_URL and x-openai-isConsequential on read-only operations.
        "actions_api.schema.chatgpt_postprocessing",
    ],
    # Redoc from the drf-spectacular-sidecar package: the docs load nothing from a CDN.
    "REDOC_DIST": "SIDECAR",
}

# --- SCIM provisioning -------------------------------------------------------------------------
# The data-scope attribute fed by the enterprise extension's `department` of provisioned users
# (e.g. "department"); empty: the department is stored but grants nothing.
SCIM_DEPARTMENT_DATA_SCOPE = env.str("SCIM_DEPARTMENT_DATA_SCOPE", default="")
