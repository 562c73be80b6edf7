"""Reads for federated sign-in: which IdP a sign-in belongs to, and what to register at an IdP."""

from __future__ import annotations

from accounts.connections import EditorValue
from accounts.federation.models import IdentityProvider
from roles.conf import absolute_url


def email_domain(identifier: str) -> str:
    """The domain of something typed into the sign-in form, or "" when it is not an email address."""
    local, at, domain = identifier.strip().rpartition("@")
    return domain.lower() if at and local and domain else ""


def identity_provider_for_email(identifier: str) -> IdentityProvider | None:
    """Home-realm discovery: the active IdP that owns the typed email's domain."""
    domain = email_domain(identifier)
    return IdentityProvider.objects.owning_domain(domain) if domain else None


def identity_provider_forbidding_password(user) -> IdentityProvider | None:
    """The IdP that must sign this user in instead of a Rolegate password, if any."""
    provider = identity_provider_for_email(user.email or "")
    return provider if provider is not None and provider.forbid_local_passwords else None


def sign_in_buttons() -> list[IdentityProvider]:
    return list(IdentityProvider.objects.active())


def redirect_uri(identity_provider: IdentityProvider) -> str:
    """Where the IdP sends the user back (allauth's callback for this IdP)."""
    return absolute_url("openid_connect_callback", provider_id=identity_provider.slug)


def saml_url(identity_provider: IdentityProvider, name: str) -> str:
    return absolute_url(name, organization_slug=identity_provider.slug)


def registration_values(identity_provider: IdentityProvider) -> list[EditorValue]:
    """What an IdP administrator registers for Rolegate: one source for the admin page and the command."""
    if identity_provider.protocol == IdentityProvider.Protocol.SAML:
        return _saml_registration_values(identity_provider)
    claims = f"sub, email, email_verified, name, preferred_username, {identity_provider.groups_claim}"
    return [
        EditorValue(
            "redirect_uri",
            "Redirect URI (reply URL, callback URL)",
            redirect_uri(identity_provider),
            hint="Platform/application type: Web. Exactly this URL.",
        ),
        EditorValue("scopes", "Scopes", identity_provider.scopes),
        EditorValue(
            "claims",
            "Claims Rolegate reads",
            claims,
            hint=f"Put the user's groups in the “{identity_provider.groups_claim}” claim of the ID token "
            "or userinfo; only groups mapped below grant anything.",
        ),
        EditorValue(
            "sign_in_url",
            "Sign-in (initiate login) URL",
            absolute_url("login"),
            hint="Optional: for the IdP's app launcher.",
        ),
        EditorValue("grant_type", "Grant type", "Authorization code (confidential client with a client secret)"),
    ]


def _saml_registration_values(identity_provider: IdentityProvider) -> list[EditorValue]:
    metadata = saml_url(identity_provider, "saml_metadata")
    return [
        EditorValue(
            "acs_url",
            "Reply URL (Assertion Consumer Service URL)",
            saml_url(identity_provider, "saml_acs"),
            hint="Binding: HTTP-POST. Sign the assertion (SHA-256).",
        ),
        EditorValue("sp_entity_id", "Identifier (SP entity ID, audience)", metadata),
        EditorValue("metadata_url", "SP metadata URL", metadata, hint="Some IdPs import everything from it."),
        EditorValue("name_id", "Name ID", "Persistent (a stable, never reassigned user id)"),
        EditorValue(
            "attributes",
            "Attributes Rolegate reads",
            f"email (or mail), givenName, surname, {identity_provider.groups_claim}",
            hint=f"Send the user's groups in the “{identity_provider.groups_claim}” attribute; only groups "
            "mapped below grant anything.",
        ),
    ]
