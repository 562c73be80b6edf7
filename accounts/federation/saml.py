"""A SAML IdP's settings in allauth's shape, from its metadata (python3-saml parses it)."""

from __future__ import annotations

from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

from accounts.federation.models import IdentityProvider

#: Refuse unsigned assertions, responses for another SP, and sign-ins Rolegate did not start.
SAML_SECURITY = {"strict": True, "want_assertion_signed": True, "reject_idp_initiated_sso": True}
#: Attribute names of common IdPs (Entra ID, Okta, ADFS, LDAP-style) for what Rolegate reads.
ATTRIBUTE_MAPPING = {
    "uid": ["urn:oasis:names:tc:SAML:attribute:subject-id"],
    "email": [
        "urn:oid:0.9.2342.19200300.100.1.3",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "email",
        "mail",
    ],
    "first_name": [
        "urn:oid:2.5.4.42",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
        "givenName",
        "firstName",
    ],
    "last_name": ["urn:oid:2.5.4.4", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname", "sn", "lastName"],
    "username": ["urn:oid:0.9.2342.19200300.100.1.1", "uid"],
}


def saml_idp(identity_provider: IdentityProvider) -> dict:
    if not identity_provider.saml_metadata_xml:
        return {"metadata_url": identity_provider.saml_metadata_url, "entity_id": None}
    idp = OneLogin_Saml2_IdPMetadataParser.parse(identity_provider.saml_metadata_xml)["idp"]
    certificate = idp.get("x509cert") or idp.get("x509certMulti", {}).get("signing", [""])[0]
    return {"entity_id": idp["entityId"], "sso_url": idp["singleSignOnService"]["url"], "x509cert": certificate}


def saml_settings(identity_provider: IdentityProvider) -> dict:
    return {"idp": saml_idp(identity_provider), "advanced": SAML_SECURITY, "attribute_mapping": ATTRIBUTE_MAPPING}
