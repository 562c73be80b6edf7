"""What an MCP client (ChatGPT app, Claude connector) reads before it signs anyone in."""

import pytest

from accounts.models import ClientRegistrationPolicy

BASE = "http://127.0.0.1:8000"

pytestmark = pytest.mark.django_db


def test_the_mcp_endpoint_publishes_protected_resource_metadata_at_its_per_path_well_known_url(client):
    response = client.get("/.well-known/oauth-protected-resource/mcp")

    assert response.status_code == 200
    metadata = response.json()
    assert metadata["resource"] == f"{BASE}/mcp"
    assert metadata["authorization_servers"] == [BASE]
    assert "api" in metadata["scopes_supported"]
    assert metadata["bearer_methods_supported"] == ["header"]


def test_the_root_protected_resource_metadata_describes_the_host_and_names_the_same_server(client):
    metadata = client.get("/.well-known/oauth-protected-resource").json()

    assert metadata["resource"] == BASE
    assert metadata["authorization_servers"] == [BASE]


def test_protected_resource_metadata_ignores_the_host_header(client):
    metadata = client.get("/.well-known/oauth-protected-resource/mcp", HTTP_HOST="localhost").json()

    assert metadata["resource"] == f"{BASE}/mcp"


@pytest.mark.parametrize("url", ["/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"])
def test_authorization_server_metadata_advertises_registration_pkce_s256_and_public_clients(client, url):
    metadata = client.get(url).json()

    assert metadata["registration_endpoint"] == f"{BASE}/o/register/"
    assert metadata["client_id_metadata_document_supported"] is True
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert "none" in metadata["token_endpoint_auth_methods_supported"]


def test_authorization_server_metadata_omits_registration_while_an_admin_has_closed_it(client):
    ClientRegistrationPolicy.objects.create(registration_open=False)

    metadata = client.get("/.well-known/oauth-authorization-server").json()

    assert "registration_endpoint" not in metadata
