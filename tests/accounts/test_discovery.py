"""Discovery documents and the JWKS: enough for any standard client to find and verify everything."""

import jwt
import pytest
import requests

pytestmark = pytest.mark.django_db

BASE = "http://127.0.0.1:8000"


@pytest.mark.parametrize("path", ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"])
def test_metadata_names_every_endpoint_of_design_section_2(client, path):
    metadata = client.get(path).json()

    assert metadata["issuer"] == BASE
    assert metadata["authorization_endpoint"] == f"{BASE}/o/authorize/"
    assert metadata["token_endpoint"] == f"{BASE}/o/token/"
    assert metadata["revocation_endpoint"] == f"{BASE}/o/revoke_token/"
    assert metadata["introspection_endpoint"] == f"{BASE}/o/introspect/"
    assert metadata["userinfo_endpoint"] == f"{BASE}/o/userinfo/"
    assert metadata["jwks_uri"] == f"{BASE}/.well-known/jwks.json"
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert {"client_secret_basic", "client_secret_post"} <= set(metadata["token_endpoint_auth_methods_supported"])


def test_both_metadata_urls_serve_the_same_document(client):
    assert (
        client.get("/.well-known/openid-configuration").json()
        == client.get("/.well-known/oauth-authorization-server").json()
    )


def test_jwks_publishes_public_keys_only_each_with_a_kid(client):
    keys = client.get("/.well-known/jwks.json").json()["keys"]
    assert len(keys) == 1
    assert keys[0]["kid"] and keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256"
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(keys[0])


def test_an_access_token_verifies_with_only_the_keys_published_at_jwks_uri(chatgpt, live_demo):
    access_token = chatgpt.sign_in("alice")["access_token"]
    metadata = requests.get(f"{live_demo.url}/.well-known/openid-configuration").json()
    jwks_path = metadata["jwks_uri"].removeprefix(BASE)

    key_set = jwt.PyJWKSet.from_dict(requests.get(live_demo.url + jwks_path).json())
    kid = jwt.get_unverified_header(access_token)["kid"]
    claims = jwt.decode(
        access_token, key_set[kid], algorithms=["RS256"], audience=f"{BASE}/api", issuer=metadata["issuer"]
    )

    assert claims["preferred_username"] == "alice"


def test_an_openid_sign_in_also_returns_an_id_token_for_the_connection(chatgpt, live_demo):
    tokens = chatgpt.sign_in("alice", scope="openid profile api")
    key_set = jwt.PyJWKSet.from_dict(requests.get(f"{live_demo.url}/.well-known/jwks.json").json())
    id_token = tokens["id_token"]

    claims = jwt.decode(
        id_token,
        key_set[jwt.get_unverified_header(id_token)["kid"]],
        algorithms=["RS256"],
        audience="demo-gpt",
        issuer=BASE,
    )

    assert claims["preferred_username"] == "alice" and claims["roles"] == ["sales-emea"]
