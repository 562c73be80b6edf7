"""
A real SAML 2.0 identity provider for the federation tests, built with pysaml2: it reads the
portal's SP metadata, parses the portal's AuthnRequest and signs real responses (RSA-SHA256,
with the xmlsec1 program) — or, on purpose, leaves them unsigned or lets them expire.
"""

from __future__ import annotations

import base64
import datetime as dt
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

ENTITY_ID = "https://idp.saml-contoso.test/saml"
SSO_URL = "https://idp.saml-contoso.test/sso"
#: eduPersonAffiliation: the attribute this IdP sends the user's groups in.
GROUPS_ATTRIBUTE = "urn:oid:1.3.6.1.4.1.5923.1.1.1.1"


def _key_and_certificate(folder: Path) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idp.saml-contoso.test")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = folder / "idp.key", folder / "idp.crt"
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


class SamlIdP:
    def __init__(self, folder: Path) -> None:
        self.key_file, self.cert_file = _key_and_certificate(folder)
        self.sp_metadata: str | None = None

    def config(self, *, lifetime_minutes: int = 15) -> IdPConfig:
        settings = {
            "entityid": ENTITY_ID,
            "service": {
                "idp": {
                    "endpoints": {"single_sign_on_service": [(SSO_URL, BINDING_HTTP_REDIRECT)]},
                    "policy": {
                        "default": {
                            "lifetime": {"minutes": lifetime_minutes},
                            "attribute_restrictions": None,
                            "name_form": NAME_FORMAT_URI,
                        }
                    },
                    "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                }
            },
            "key_file": str(self.key_file),
            "cert_file": str(self.cert_file),
            "xmlsec_binary": shutil.which("xmlsec1"),
            "metadata": {"inline": [self.sp_metadata]} if self.sp_metadata else {},
        }
        config = IdPConfig()
        config.load(settings)
        return config

    def metadata(self) -> str:
        return create_metadata_string(None, config=self.config(), sign=False).decode()

    def answer(
        self, sso_redirect: str, *, identity: dict, subject: str, signed: bool = True, lifetime_minutes: int = 15
    ) -> tuple[str, dict]:
        """Answers the portal's AuthnRequest (the redirect to SSO_URL): the ACS URL and the form to post there."""
        query = parse_qs(urlsplit(sso_redirect).query)
        server = Server(config=self.config(lifetime_minutes=lifetime_minutes))
        request = server.parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT).message
        response = server.create_authn_response(
            identity=identity,
            in_response_to=request.id,
            destination=request.assertion_consumer_service_url,
            sp_entity_id=request.issuer.text,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=subject),
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"},
            sign_assertion=signed,
            sign_response=signed,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
        )
        form = {
            "SAMLResponse": base64.b64encode(str(response).encode()).decode(),
            "RelayState": query.get("RelayState", [""])[0],
        }
        return request.assertion_consumer_service_url, form
