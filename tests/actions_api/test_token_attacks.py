"""
The known attacks on JWT access tokens, each sent to the API as an attacker would send it.

Every refusal must be a 401 with an RFC 6750 `WWW-Authenticate` challenge and a problem+json
body — never a 200, never a 500. A control test proves the same request with an honest token
succeeds, so a refusal below is the protection at work and not a broken fixture.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from jwcrypto import jwk

from accounts.signing_keys import active_signing_key
from roles.conf import rolegate_settings
from tests.factories import UserFactory

ME = "/api/v1/me"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(value) -> str:
    return b64url(json.dumps(value).encode())


def forge(header: dict, payload: dict, signature: bytes = b"") -> str:
    """A compact JWS put together by hand, as an attacker's tooling would."""
    return f"{segment(header)}.{segment(payload)}.{b64url(signature)}"


def hs256(header: dict, payload: dict, secret: bytes) -> str:
    signing_input = f"{segment(header)}.{segment(payload)}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def other_deployment_key() -> tuple[str, str]:
    """A fresh RSA key (PEM) and its thumbprint kid: what another Rolegate deployment signs with."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return pem, jwk.JWK.from_pem(pem.encode()).thumbprint()


def assert_refused(response, *, error: str = "invalid_token", detail: str | None = None) -> None:
    assert response.status_code == 401, (response.status_code, response.content[:300])
    challenge = response["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="rolegate"') and f'error="{error}"' in challenge, challenge
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 401 and body["error"] == error and body["detail"]
    if detail is not None:
        assert detail in body["detail"], body["detail"]


@pytest.fixture
def user(db):
    return UserFactory(username="mallory-target")


@pytest.fixture
def good_token(user, mint_token):
    return mint_token(user)


@pytest.fixture
def call(bearer):
    def send(token: str):
        return bearer(token).get(ME)

    return send


def test_control_an_honest_token_is_accepted(call, good_token):
    response = call(good_token)
    assert response.status_code == 200
    assert response.json()["preferred_username"] == "mallory-target"


# ---------------------------------------------------------------- algorithm confusion


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
@pytest.mark.parametrize("signature", [b"", b"x"], ids=["no-signature", "junk-signature"])
def test_alg_none_in_any_spelling_is_refused(call, good_token, alg, signature):
    header = {**jwt.get_unverified_header(good_token), "alg": alg}
    assert_refused(call(forge(header, claims_of(good_token), signature)), detail="algorithm")


def _public_pem(fmt) -> bytes:
    private = serialization.load_pem_private_key(active_signing_key().private_key_pem.encode(), password=None)
    return private.public_key().public_bytes(serialization.Encoding.PEM, fmt)


@pytest.mark.parametrize(
    "secret",
    [
        lambda: _public_pem(serialization.PublicFormat.SubjectPublicKeyInfo),
        lambda: _public_pem(serialization.PublicFormat.PKCS1),
        lambda: json.dumps(active_signing_key().public_jwk).encode(),
        lambda: json.dumps(active_signing_key().public_jwk, separators=(",", ":"), sort_keys=True).encode(),
    ],
    ids=["spki-pem", "pkcs1-pem", "jwk-json", "jwk-compact-json"],
)
def test_hs256_resigned_with_the_public_key_is_refused(call, good_token, secret):
    header = {**jwt.get_unverified_header(good_token), "alg": "HS256"}
    assert_refused(call(hs256(header, claims_of(good_token), secret())), detail="algorithm")


@pytest.mark.parametrize("alg", ["RS384", "RS512", "PS256", "ES256", "rs256"])
def test_other_algorithms_are_refused_even_when_well_formed(call, good_token, alg):
    header = {**jwt.get_unverified_header(good_token), "alg": alg}
    token = good_token.split(".")
    assert_refused(call(f"{segment(header)}.{token[1]}.{token[2]}"), detail="algorithm")


# ---------------------------------------------------------------- key selection


def test_an_unknown_kid_is_refused(call, user, mint_token):
    key = active_signing_key()
    payload = claims_of(mint_token(user))
    token = jwt.encode(payload, key.private_key_pem, algorithm="RS256", headers={"kid": "not-a-key", "typ": "at+jwt"})
    assert_refused(call(token), detail="does not publish")


def test_a_missing_kid_is_refused(call, good_token):
    key = active_signing_key()
    token = jwt.encode(claims_of(good_token), key.private_key_pem, algorithm="RS256", headers={"typ": "at+jwt"})
    # PyJWT adds no kid unless told to.
    assert "kid" not in jwt.get_unverified_header(token)
    assert_refused(call(token), detail="does not publish")


@pytest.mark.parametrize("same_kid", [True, False], ids=["same-kid", "own-kid"])
def test_a_token_signed_by_another_deployments_key_is_refused(call, good_token, same_kid):
    pem, own_kid = other_deployment_key()
    kid = active_signing_key().kid if same_kid else own_kid
    token = jwt.encode(claims_of(good_token), pem, algorithm="RS256", headers={"kid": kid, "typ": "at+jwt"})
    assert_refused(call(token))


class _KeyServer(BaseHTTPRequestHandler):
    """Serves an attacker's JWKS and counts who asked for it."""

    jwks: dict = {}
    hits: list = []

    def do_GET(self):  # noqa: N802 - http.server's name
        type(self).hits.append(self.path)
        body = json.dumps(self.jwks).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def attacker_key_server():
    """A loopback server publishing the attacker's key, as a `jku`/`x5u` would point to."""
    pem, kid = other_deployment_key()
    public = {**jwk.JWK.from_pem(pem.encode()).export_public(as_dict=True), "kid": kid, "alg": "RS256"}
    handler = type("Handler", (_KeyServer,), {"jwks": {"keys": [public]}, "hits": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {
        "url": f"http://127.0.0.1:{server.server_port}/jwks.json",
        "pem": pem,
        "kid": kid,
        "public": public,
        "hits": handler.hits,
    }
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("field", ["jku", "x5u"])
def test_a_key_url_in_the_header_is_refused_and_never_fetched(call, good_token, attacker_key_server, field):
    attacker = attacker_key_server
    assert requests.get(attacker["url"], timeout=5).status_code == 200  # the server does answer
    attacker["hits"].clear()
    headers = {"kid": attacker["kid"], "typ": "at+jwt", field: attacker["url"]}
    token = jwt.encode(claims_of(good_token), attacker["pem"], algorithm="RS256", headers=headers)

    assert_refused(call(token), detail=field)
    assert attacker["hits"] == []


def test_an_embedded_jwk_header_is_refused(call, good_token, attacker_key_server):
    attacker = attacker_key_server
    headers = {"kid": attacker["kid"], "typ": "at+jwt", "jwk": attacker["public"]}
    token = jwt.encode(claims_of(good_token), attacker["pem"], algorithm="RS256", headers=headers)
    assert_refused(call(token), detail="jwk")


@pytest.mark.parametrize(
    "extra",
    [{"crit": ["exp"]}, {"crit": ["b64"], "b64": False}, {"x5c": ["MIIB"]}, {"zip": "DEF"}, {"cty": "JWT"}],
    ids=["crit", "b64", "x5c", "zip", "cty"],
)
def test_headers_outside_the_allowlist_are_refused_even_with_a_valid_signature(call, good_token, extra):
    key = active_signing_key()
    headers = {"kid": key.kid, "typ": "at+jwt", **extra}
    token = jwt.encode(claims_of(good_token), key.private_key_pem, algorithm="RS256", headers=headers)
    # PyJWT itself rejects a `crit` it does not understand; the allowlist catches the rest.
    assert_refused(call(token), detail=None if "crit" in extra else "refuses")


# ---------------------------------------------------------------- signature


def test_a_tampered_payload_is_refused(call, good_token, user):
    header, _, signature = good_token.split(".")
    payload = {**claims_of(good_token), "permissions": ["orders.read", "customers.read", "documents.read"]}
    assert_refused(call(f"{header}.{segment(payload)}.{signature}"), detail="signature")


def test_a_flipped_signature_bit_is_refused(call, good_token):
    header, payload, signature = good_token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[len(raw) // 2] ^= 0x01
    assert_refused(call(f"{header}.{payload}.{b64url(bytes(raw))}"), detail="signature")


@pytest.mark.parametrize("shape", ["{h}.{p}.", "{h}.{p}"], ids=["empty-signature", "two-segments"])
def test_a_stripped_signature_is_refused(call, good_token, shape):
    header, payload, _ = good_token.split(".")
    assert_refused(call(shape.format(h=header, p=payload)))


# ---------------------------------------------------------------- lifetime


def test_an_expired_token_is_refused(call, user, mint_token):
    now = int(time.time())
    leeway = rolegate_settings.ACCESS_TOKEN_LEEWAY_SECONDS
    token = mint_token(user, iat=now - 3600, nbf=now - 3600, exp=now - leeway - 5)
    assert_refused(call(token), detail="expired")


@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_a_token_from_the_future_beyond_the_leeway_is_refused(call, user, mint_token, claim):
    future = int(time.time()) + rolegate_settings.ACCESS_TOKEN_LEEWAY_SECONDS + 60
    assert_refused(call(mint_token(user, **{claim: future})), detail="not valid yet")


@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_clock_skew_within_the_leeway_is_tolerated(call, user, mint_token, claim):
    slightly_ahead = int(time.time()) + rolegate_settings.ACCESS_TOKEN_LEEWAY_SECONDS // 2
    assert call(mint_token(user, **{claim: slightly_ahead})).status_code == 200


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
@pytest.mark.parametrize(
    "value",
    ["9999999999", 9999999999.5, True, None, [1], {"t": 1}],
    ids=["string", "float", "bool", "null", "list", "object"],
)
def test_a_non_integer_numeric_date_is_refused(call, user, mint_token, claim, value):
    payload = claims_of(mint_token(user))
    payload[claim] = value
    key = active_signing_key()
    token = jwt.encode(payload, key.private_key_pem, algorithm="RS256", headers={"kid": key.kid, "typ": "at+jwt"})
    assert_refused(call(token))


@pytest.mark.parametrize("claim", ["iss", "sub", "aud", "exp", "iat", "nbf", "jti", "client_id", "scope"])
def test_a_token_missing_a_required_claim_is_refused(call, user, mint_token, claim):
    assert_refused(call(mint_token(user, **{claim: None})), detail=claim)


# ---------------------------------------------------------------- issuer, audience, token type


@pytest.mark.parametrize(
    "issuer",
    ["https://evil.example", "http://127.0.0.1:8000/", "http://127.0.0.1:8000/o", "HTTP://127.0.0.1:8000"],
)
def test_a_token_from_another_issuer_is_refused(call, user, mint_token, issuer):
    assert_refused(call(mint_token(user, iss=issuer)), detail="issued by another server")


def test_a_token_for_another_audience_is_refused(call, user, mint_token):
    assert_refused(call(mint_token(user, aud="https://other-api.example")), detail="another audience")


def test_a_token_whose_audience_is_the_client_id_is_refused(call, user, mint_token, connection):
    assert_refused(call(mint_token(user, aud=connection.client_id)), detail="another audience")


@pytest.mark.parametrize(
    "audiences",
    [[rolegate_settings.API_AUDIENCE, "https://other-api.example"], [rolegate_settings.API_AUDIENCE]],
    ids=["with-another", "alone-in-a-list"],
)
def test_an_audience_list_is_refused(call, user, mint_token, audiences):
    # RFC 9068 tokens of this portal carry one audience; a list is someone else's token shape.
    assert_refused(call(mint_token(user, aud=audiences)), detail="another audience")


@pytest.mark.parametrize("typ", ["JWT", "jwt", "at+JWT ", "application/at+jwt", None])
def test_a_token_without_the_access_token_type_is_refused(call, good_token, typ):
    key = active_signing_key()
    headers = {"kid": key.kid} if typ is None else {"kid": key.kid, "typ": typ}
    token = jwt.encode(claims_of(good_token), key.private_key_pem, algorithm="RS256", headers=headers)
    if typ is None:
        # PyJWT fills in typ=JWT when none is given; drop it to send a header without typ.
        header = {name: value for name, value in jwt.get_unverified_header(token).items() if name != "typ"}
        token = f"{segment(header)}.{token.split('.', 1)[1]}"
    assert_refused(call(token), detail="not an access token")


# ---------------------------------------------------------------- malformed and oversized


@pytest.mark.parametrize(
    "token",
    [
        "abc",
        "a.b.c",
        "...",
        "e30.e30.e30",  # {} . {} . {}
        "%%%.%%%.%%%",
        segment([1, 2]) + "." + segment({}) + ".",
        segment({"alg": ["RS256"], "typ": "at+jwt", "kid": "x"}) + "." + segment({}) + ".",
        segment({"alg": "RS256", "typ": "at+jwt", "kid": ["x"]}) + "." + segment({}) + ".",
        segment({"alg": "RS256", "typ": "at+jwt", "kid": {"x": 1}}) + "." + segment({}) + ".",
        b64url(b"\xff\xfe") + ".e30.",
        "eyJhbGciOiJSUzI1NiJ9." + "A" * 100,
    ],
)
def test_a_malformed_token_is_a_clear_401(call, token, db):
    assert_refused(call(token))


def test_a_payload_that_is_not_an_object_is_refused(call, good_token):
    key = active_signing_key()
    header = {"alg": "RS256", "kid": key.kid, "typ": "at+jwt"}
    signing_input = f"{segment(header)}.{segment(['not', 'an', 'object'])}"
    private = serialization.load_pem_private_key(key.private_key_pem.encode(), password=None)
    signature = private.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    assert_refused(call(f"{signing_input}.{b64url(signature)}"))


def test_an_oversized_token_is_refused_before_parsing(call, user, mint_token):
    token = mint_token(user, padding="x" * rolegate_settings.ACCESS_TOKEN_MAX_BYTES)
    assert_refused(call(token), detail="longer than")


@pytest.mark.parametrize(
    ("authorization", "error"),
    [
        ("Bearer", "invalid_request"),
        ("Bearer a b", "invalid_request"),
        ("Basic dXNlcjpwYXNz", "invalid_request"),
        ("Bearer \u00e9t\u00e9", "invalid_token"),
    ],
)
def test_a_malformed_authorization_header_is_a_clear_401(api_client, authorization, error, db):
    response = api_client.get(ME, HTTP_AUTHORIZATION=authorization.encode("utf-8").decode("latin-1"))
    assert_refused(response, error=error)


def test_a_token_in_the_query_string_is_not_accepted(api_client, good_token):
    # RFC 9700 §2.4 / RFC 6750 §2.3: tokens travel in the Authorization header only.
    response = api_client.get(ME, {"access_token": good_token})
    assert_refused(response, error="invalid_request")


# ---------------------------------------------------------------- real tokens of the wrong kind


def test_the_id_token_and_the_refresh_token_are_not_access_tokens(chatgpt, live_demo):
    tokens = chatgpt.sign_in("alice")
    assert chatgpt.call(ME).status_code == 200  # control: the access token of the same flow works

    for wrong, detail in ((tokens["id_token"], "not an access token"), (tokens["refresh_token"], "not a JWT")):
        response = requests.get(f"{live_demo.url}{ME}", headers={"Authorization": f"Bearer {wrong}"})
        assert response.status_code == 401, response.text
        assert response.headers["Content-Type"] == "application/problem+json"
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
        assert detail in response.json()["detail"]
