"""What clients call: OAuth 2 and OpenID Connect (DOT), the Actions API (DRF), its OpenAPI document, SCIM."""

from django.utils.functional import lazy
from django.utils.module_loading import import_string

from portal.settings.base import _PORTAL_URL, DEBUG, ROLEGATE, env

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
    "REFRESH_TOKEN_GENERATOR": "accounts.token_minting.generate_refresh_token",
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
