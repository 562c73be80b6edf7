"""Authorization-server metadata (OpenID Connect discovery and RFC 8414), complete and absolute."""

from __future__ import annotations

from oauth2_provider.settings import oauth2_settings

from accounts.models import ClientRegistrationPolicy
from roles.conf import absolute_url, rolegate_settings


def authorization_server_metadata() -> dict:
    metadata = {
        "issuer": rolegate_settings.PORTAL_BASE_URL,
        "authorization_endpoint": absolute_url("oauth2_provider:authorize"),
        "token_endpoint": absolute_url("oauth2_provider:token"),
        "revocation_endpoint": absolute_url("oauth2_provider:revoke-token"),
        "introspection_endpoint": absolute_url("oauth2_provider:introspect"),
        "userinfo_endpoint": absolute_url("oauth2_provider:user-info"),
        "jwks_uri": absolute_url("jwks"),
        "scopes_supported": list(oauth2_settings.SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": [
            "iss",
            "sub",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "preferred_username",
            "name",
            "email",
            "roles",
        ],
        "authorization_response_iss_parameter_supported": oauth2_settings.COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS,
        "client_id_metadata_document_supported": oauth2_settings.CIMD_ENABLED,
    }
    if oauth2_settings.DCR_ENABLED and ClientRegistrationPolicy.current().registration_open:
        # MCP clients (ChatGPT apps, Claude connectors) register themselves here (RFC 7591).
        metadata["registration_endpoint"] = absolute_url("oauth2_provider:dcr-register")
    return metadata
