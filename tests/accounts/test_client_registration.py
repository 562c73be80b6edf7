"""Clients that register themselves (RFC 7591, Client ID Metadata Documents), and the policy around them."""

import json

import pytest
from oauth2_provider.cimd import CIMDError, SafeMetadataFetcher
from oauth2_provider.models import get_application_model
from oauthlib.oauth2.rfc6749.errors import InvalidClientIdError

from accounts.models import ClientRegistrationPolicy
from accounts.redirects import is_connector_callback

Application = get_application_model()
CLAUDE_CALLBACK = "https://claude.ai/api/mcp/auth_callback"

pytestmark = pytest.mark.django_db


def register(client, **metadata):
    body = {
        "client_name": "Claude",
        "redirect_uris": [CLAUDE_CALLBACK],
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        **metadata,
    }
    return client.post("/o/register/", json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(
    "uri",
    [
        "https://chatgpt.com/connector/oauth/abc_DEF-123",
        "https://chatgpt.com/connector_platform_oauth_redirect",
        "https://claude.ai/api/mcp/auth_callback",
        "https://claude.com/api/mcp/auth_callback",
    ],
)
def test_known_connector_callbacks_are_recognised(uri):
    assert is_connector_callback(uri)


@pytest.mark.parametrize(
    "uri",
    [
        "https://chatgpt.com/connector/oauth/abc/../../evil",
        "https://chatgpt.com/connector/oauth/",
        "https://chatgpt.com/connector/oauth/abc?next=https://evil.example",
        "https://chatgpt.com/connector_platform_oauth_redirect/extra",
        "https://claude.ai/api/mcp/auth_callback#fragment",
        "http://claude.ai/api/mcp/auth_callback",
        "https://claude.ai.evil.example/api/mcp/auth_callback",
        "https://evil.example/?https://claude.ai/api/mcp/auth_callback",
        "https://user@claude.ai/api/mcp/auth_callback",
    ],
)
def test_anything_else_is_not_a_connector_callback(uri):
    assert not is_connector_callback(uri)


def test_an_mcp_client_registers_itself_as_a_public_client_with_its_callback(client):
    response = register(client)

    assert response.status_code == 201, response.content
    registered = response.json()
    connection = Application.objects.get(client_id=registered["client_id"])
    assert registered["token_endpoint_auth_method"] == "none"
    assert connection.registration_source == Application.RegistrationSource.DCR
    assert connection.client_type == Application.CLIENT_PUBLIC
    assert connection.pkce_required()
    assert connection.algorithm == "RS256"
    assert connection.redirect_uris == CLAUDE_CALLBACK


def test_registration_with_a_callback_that_is_no_known_connector_is_refused(client):
    response = register(client, redirect_uris=[CLAUDE_CALLBACK, "https://evil.example/callback"])

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_redirect_uri"
    assert "https://evil.example/callback" in response.json()["error_description"]
    assert not Application.objects.filter(registration_source="dcr").exists()


def test_an_admin_can_allow_one_more_exact_callback(client):
    ClientRegistrationPolicy.objects.create(extra_redirect_uris="https://tools.example/oauth/callback")

    assert register(client, redirect_uris=["https://tools.example/oauth/callback"]).status_code == 201
    assert register(client, redirect_uris=["https://tools.example/oauth/callback2"]).status_code == 400


def test_registration_is_refused_while_an_admin_has_closed_it(client):
    ClientRegistrationPolicy.objects.create(registration_open=False)

    response = register(client)

    assert response.status_code == 401
    assert response.json()["error"] == "access_denied"
    assert not Application.objects.filter(registration_source="dcr").exists()


def test_registration_is_off_entirely_when_the_deployment_disables_it(client, settings):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "DCR_ENABLED": False}

    assert register(client).status_code == 404


def test_metadata_documents_are_fetched_safely_never_from_this_machine():
    """DOT's SSRF-hardened fetcher is the configured one: loopback and private addresses are refused."""
    from oauth2_provider.settings import oauth2_settings

    assert oauth2_settings.CIMD_METADATA_FETCHER is SafeMetadataFetcher
    for url in ["https://127.0.0.1/client.json", "https://10.0.0.1/client.json", "https://localhost/client.json"]:
        with pytest.raises(CIMDError):
            SafeMetadataFetcher().fetch(url)


def test_metadata_document_hosts_come_from_the_admins_allowlist():
    policy = ClientRegistrationPolicy.current()

    assert policy.allows_metadata_host("claude.ai")
    assert policy.allows_metadata_host("mcp.claude.ai")
    assert policy.allows_metadata_host("chatgpt.com")
    assert not policy.allows_metadata_host("claude.ai.evil.example")
    assert not policy.allows_metadata_host("evil.example")
    assert not policy.allows_metadata_host(None)


@pytest.fixture
def registered_client(client):
    return Application.objects.get(client_id=register(client).json()["client_id"])


def exchange_code(client, client_id: str):
    return client.post(
        "/o/token/",
        {
            "grant_type": "authorization_code",
            "code": "not-a-real-code",
            "redirect_uri": CLAUDE_CALLBACK,
            "client_id": client_id,
            "code_verifier": "v" * 64,
        },
    )


def test_a_registered_client_reaches_the_code_check(client, registered_client):
    assert exchange_code(client, registered_client.client_id).json()["error"] == "invalid_grant"


def test_a_connection_an_admin_disabled_gets_invalid_client(client, admin_client, registered_client):
    response = admin_client.post(
        "/admin/accounts/application/",
        {"action": "disable", "_selected_action": [registered_client.pk]},
    )
    assert response.status_code == 302

    registered_client.refresh_from_db()
    assert not registered_client.is_active
    assert exchange_code(client, registered_client.client_id).json()["error"] == "invalid_client"
    authorize = admin_client.get(
        "/o/authorize/",
        {
            "response_type": "code",
            "client_id": registered_client.client_id,
            "redirect_uri": CLAUDE_CALLBACK,
            "code_challenge": "c" * 43,
            "code_challenge_method": "S256",
        },
    )
    assert authorize.status_code == 400
    assert isinstance(authorize.context["error"], InvalidClientIdError)  # shown, never redirected


def test_a_deleted_connection_gets_invalid_client(client, registered_client):
    client_id = registered_client.client_id
    registered_client.delete()

    assert exchange_code(client, client_id).json()["error"] == "invalid_client"


def test_registered_clients_are_listed_in_the_admin(admin_client, registered_client):
    page = admin_client.get("/admin/accounts/application/?registration_source__exact=dcr").content.decode()

    assert registered_client.client_id in page


def test_the_consent_page_says_a_self_registered_connection_chose_its_name_and_where_approval_leads(
    admin_client, registered_client
):
    page = admin_client.get(
        "/o/authorize/",
        {
            "response_type": "code",
            "client_id": registered_client.client_id,
            "redirect_uri": CLAUDE_CALLBACK,
            "code_challenge": "c" * 43,
            "code_challenge_method": "S256",
            "scope": "openid profile api",
        },
    )

    assert page.status_code == 200
    text = page.content.decode()
    assert "registered itself" in text
    assert "<strong>claude.ai</strong>" in text


class DocumentFetcher:
    """
    Stands in for the network when a test needs a Client ID Metadata Document: the real,
    SSRF-safe fetcher never fetches from this machine (see the test above). Records each fetch.
    """

    documents: dict = {}
    fetched: list = []

    def fetch(self, client_id):
        self.fetched.append(client_id)
        if client_id not in self.documents:
            raise CIMDError("404")
        return self.documents[client_id], 300


@pytest.fixture
def metadata_documents(settings):
    from django.core.cache import cache

    cache.clear()  # DOT backs failed documents off in the cache
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "CIMD_METADATA_FETCHER": f"{__name__}.DocumentFetcher"}
    DocumentFetcher.documents, DocumentFetcher.fetched = {}, []
    return DocumentFetcher.documents


def authorize_page(client, client_id):
    return client.get(
        "/o/authorize/",
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": CLAUDE_CALLBACK,
            "code_challenge": "c" * 43,
            "code_challenge_method": "S256",
            "scope": "openid profile api",
        },
    )


CIMD_URL = "https://claude.ai/oauth/mcp-oauth-client-metadata"


def claude_document(**overrides):
    return {
        "client_id": CIMD_URL,
        "client_name": "Claude",
        "redirect_uris": [CLAUDE_CALLBACK],
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"],
        **overrides,
    }


def test_a_client_identified_by_its_metadata_document_url_on_an_allowed_host_is_registered(
    admin_client, metadata_documents
):
    metadata_documents[CIMD_URL] = claude_document()

    assert authorize_page(admin_client, CIMD_URL).status_code == 200
    connection = Application.objects.get(client_id=CIMD_URL)
    assert connection.registration_source == Application.RegistrationSource.CIMD
    assert connection.client_type == Application.CLIENT_PUBLIC


def test_a_metadata_document_url_on_a_host_not_allowed_is_never_fetched(admin_client, metadata_documents):
    url = "https://evil.example/client.json"
    metadata_documents[url] = claude_document(client_id=url)

    assert authorize_page(admin_client, url).status_code == 400
    assert DocumentFetcher.fetched == []
    assert not Application.objects.filter(client_id=url).exists()


def test_a_metadata_document_with_a_callback_that_is_no_known_connector_is_refused(admin_client, metadata_documents):
    metadata_documents[CIMD_URL] = claude_document(redirect_uris=["https://evil.example/callback"])

    assert authorize_page(admin_client, CIMD_URL).status_code == 400
    assert not Application.objects.filter(client_id=CIMD_URL).exists()


def test_no_metadata_document_is_fetched_while_an_admin_has_closed_registration(admin_client, metadata_documents):
    ClientRegistrationPolicy.objects.create(registration_open=False)
    metadata_documents[CIMD_URL] = claude_document()

    assert authorize_page(admin_client, CIMD_URL).status_code == 400
    assert DocumentFetcher.fetched == []
