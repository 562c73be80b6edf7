"""Who signs in and how: users, passwords, email, two-step sign-in, identity providers, lockout."""

from datetime import timedelta
from urllib.parse import urlsplit

from portal.settings.base import _PORTAL_URL, DEBUG, env

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
