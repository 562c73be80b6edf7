"""
ChatGPT apps and Claude connectors, end to end: the MCP SDK's own client against the real
deployable (uvicorn portal.asgi:application) on loopback. No token -> 401 pointing at the
resource metadata -> discovery -> dynamic registration -> authorization with PKCE S256 and
the resource -> token -> tool calls, for every demo user, with the API tests' isolation.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import anyio
import httpx2
import jwt
import pytest
import requests
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken
from oauth2_provider.models import get_application_model

from actions_api.models import Customer, Document, Order
from tests.connector import CLAUDE_CALLBACK, Connector, consent_in_browser

# The module's uvicorn serves the demo seeded once (asgi_portal); tests only read it here.
pytestmark = pytest.mark.django_db
Application = get_application_model()

# username -> collection -> rows expected (computed independently of the portal's filtering); None: refused
EXPECTED_ACCESS = {
    "alice": {
        "customers": lambda: Customer.objects.filter(region="EMEA"),
        "orders": lambda: Order.objects.filter(region="EMEA"),
        "documents": None,
    },
    "bob": {
        "customers": lambda: Customer.objects.filter(region="AMER"),
        "orders": lambda: Order.objects.filter(region="AMER"),
        "documents": None,
    },
    "carol": {"customers": None, "orders": lambda: Order.objects.all(), "documents": None},
    "erin": {"customers": None, "orders": None, "documents": lambda: Document.objects.filter(department="HR")},
    "dave": {"customers": None, "orders": None, "documents": None},
}
MODELS = {"customers": Customer, "orders": Order, "documents": Document}
NOUNS = {"customers": "customer", "orders": "order", "documents": "document"}


class MemoryStorage:
    """Where the client keeps its registration and tokens (Claude keeps them per user, server-side)."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens):
        self.tokens = tokens

    async def get_client_info(self):
        return self.client_info

    async def set_client_info(self, client_info):
        self.client_info = client_info


class ConnectorUser:
    """A person adding the connector: the SDK opens the sign-in page, they sign in and approve."""

    def __init__(self, username: str) -> None:
        self.username = username
        self.authorization_urls: list[str] = []
        self.callback: dict = {}

    async def open_browser(self, authorization_url: str) -> None:
        self.authorization_urls.append(authorization_url)
        self.callback = await anyio.to_thread.run_sync(
            lambda: consent_in_browser(authorization_url, self.username, callback=CLAUDE_CALLBACK)
        )

    async def return_to_client(self) -> AuthorizationCodeResult:
        return AuthorizationCodeResult(
            code=self.callback["code"], state=self.callback.get("state"), iss=self.callback.get("iss")
        )


def connect(base_url: str, user: ConnectorUser, storage: MemoryStorage) -> Client:
    provider = OAuthClientProvider(
        server_url=f"{base_url}/mcp",
        client_metadata=OAuthClientMetadata(
            client_name="Claude",
            redirect_uris=[CLAUDE_CALLBACK],
            token_endpoint_auth_method="none",
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
        ),
        storage=storage,
        redirect_handler=user.open_browser,
        callback_handler=user.return_to_client,
    )
    return Client(streamable_http_client(f"{base_url}/mcp", http_client=httpx2.AsyncClient(auth=provider)))


async def all_rows(client: Client, collection: str) -> list[dict]:
    rows, page = [], 1
    while page:
        result = await client.call_tool(f"list_{collection}", {"page": page, "page_size": 100})
        assert not result.is_error, result.content
        rows.extend(result.structured_content["results"])
        page = result.structured_content["next_page"]
    return rows


def test_without_a_token_the_mcp_endpoint_points_clients_at_its_metadata(asgi_portal):
    response = requests.post(f"{asgi_portal}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})

    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert f'resource_metadata="{asgi_portal}/.well-known/oauth-protected-resource/mcp"' in challenge
    assert 'scope="openid profile api"' in challenge
    metadata = requests.get(f"{asgi_portal}/.well-known/oauth-protected-resource/mcp").json()
    assert metadata["resource"] == f"{asgi_portal}/mcp"
    assert metadata["authorization_servers"] == [asgi_portal]


def run_in_a_thread_of_its_own(session):
    """
    anyio.run in a fresh thread: once a browser test has run on this worker, the session's
    Playwright keeps an event loop running in the main thread, and anyio.run refuses to nest.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(anyio.run, session).result()


@pytest.mark.parametrize("username", sorted(EXPECTED_ACCESS))
def test_each_demo_user_connects_through_an_mcp_client_and_sees_exactly_their_rows(asgi_portal, username):
    user, storage = ConnectorUser(username), MemoryStorage()

    async def session():
        async with connect(asgi_portal, user, storage) as client:
            tools = {tool.name for tool in (await client.list_tools()).tools}
            me = await client.call_tool("whoami", {})
            seen = {}
            for collection, expected in EXPECTED_ACCESS[username].items():
                if expected is None:
                    seen[collection] = await client.call_tool(f"list_{collection}", {})
                else:
                    seen[collection] = await all_rows(client, collection)
            hidden = {}
            for collection, expected in EXPECTED_ACCESS[username].items():
                if expected is not None:
                    outside = await anyio.to_thread.run_sync(
                        lambda collection=collection, expected=expected: (
                            MODELS[collection].objects.exclude(pk__in=expected()).values_list("pk", flat=True).first()
                        )
                    )
                    if outside is not None:
                        hidden[collection] = await client.call_tool(f"get_{NOUNS[collection]}", {"id": outside})
            return tools, me, seen, hidden

    tools, me, seen, hidden = run_in_a_thread_of_its_own(session)

    # The client discovered, registered itself and signed in with PKCE S256 and the resource.
    (authorization_url,) = user.authorization_urls
    assert authorization_url.startswith(f"{asgi_portal}/o/authorize/?")
    assert "code_challenge_method=S256" in authorization_url
    assert f"resource={requests.utils.quote(asgi_portal + '/mcp', safe='')}" in authorization_url
    registered = Application.objects.get(client_id=storage.client_info.client_id)
    assert registered.registration_source == Application.RegistrationSource.DCR
    assert registered.client_type == Application.CLIENT_PUBLIC
    claims = jwt.decode(storage.tokens.access_token, options={"verify_signature": False})
    assert claims["aud"] == f"{asgi_portal}/mcp"
    assert claims["client_id"] == registered.client_id

    assert tools == {
        "whoami",
        "list_customers",
        "get_customer",
        "list_orders",
        "get_order",
        "list_documents",
        "get_document",
    }
    assert not me.is_error
    assert me.structured_content["preferred_username"] == username
    for collection, expected in EXPECTED_ACCESS[username].items():
        if expected is None:
            assert seen[collection].is_error, collection
            assert "do not grant the permission" in seen[collection].content[0].text
        else:
            assert seen[collection], f"{username} should see some {collection}"
            assert {row["id"] for row in seen[collection]} == set(expected().values_list("id", flat=True))
    for collection, result in hidden.items():
        assert result.is_error and "not visible with your roles" in result.content[0].text, collection


@pytest.fixture
def connector(asgi_portal):
    connector = Connector(asgi_portal)
    connector.register()
    return connector


def mcp_call(base_url: str, token: str) -> requests.Response:
    return requests.post(
        f"{base_url}/mcp",
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json, text/event-stream"},
    )


def test_a_token_for_the_rest_api_is_refused_by_the_mcp_endpoint(asgi_portal, connector):
    token = connector.sign_in("alice", resource=None)["access_token"]

    response = mcp_call(asgi_portal, token)

    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert "another audience" in response.json()["error_description"]
    assert requests.get(f"{asgi_portal}/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_a_token_for_the_mcp_endpoint_is_refused_by_the_rest_api(asgi_portal, connector):
    token = connector.sign_in("alice", resource=f"{asgi_portal}/mcp")["access_token"]

    response = requests.get(f"{asgi_portal}/api/v1/me", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401
    assert "another audience" in response.json()["detail"]
    assert mcp_call(asgi_portal, token).status_code == 200


def test_a_token_without_the_api_scope_gets_insufficient_scope(asgi_portal, connector):
    token = connector.sign_in("alice", resource=f"{asgi_portal}/mcp", scope="openid profile")["access_token"]

    response = mcp_call(asgi_portal, token)

    assert response.status_code == 403
    challenge = response.headers["WWW-Authenticate"]
    assert 'error="insufficient_scope"' in challenge
    assert 'scope="openid profile api"' in challenge
    assert "resource_metadata=" in challenge


@pytest.mark.parametrize("header", ["Basic YWxpY2U6cHc=", "Bearer not-a-jwt", "Bearer a b"])
def test_malformed_credentials_get_a_401_challenge_never_a_500(asgi_portal, header):
    response = requests.post(f"{asgi_portal}/mcp", json={}, headers={"Authorization": header})

    assert response.status_code == 401
    assert "resource_metadata=" in response.headers["WWW-Authenticate"]


def test_a_row_reads_the_same_through_the_mcp_tools_and_the_rest_api(asgi_portal, connector):
    """One definition of each collection: the same fields and values, whichever protocol asks."""
    api_token = connector.sign_in("alice", resource=None)["access_token"]
    mcp_token = connector.sign_in("alice", resource=f"{asgi_portal}/mcp")["access_token"]
    order = Order.objects.filter(region="EMEA").first()

    rest = requests.get(f"{asgi_portal}/api/v1/orders/{order.pk}", headers={"Authorization": f"Bearer {api_token}"})
    response = requests.post(
        f"{asgi_portal}/mcp",
        json={
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": "get_order", "arguments": {"id": order.pk}},
        },
        headers={
            "Authorization": f"Bearer {mcp_token}",
            "Accept": "application/json, text/event-stream",
            "MCP-Protocol-Version": "2025-06-18",
        },
    )

    assert rest.status_code == 200 and response.status_code == 200, response.text
    assert response.json()["result"]["structuredContent"] == rest.json()
    assert protecting_headers(response) == protecting_headers(rest)


PROTECTING = ["X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy"]


def protecting_headers(response) -> dict:
    """The headers Django's middleware give the API's answers, which MCP's (served outside Django) must carry too."""
    return {name: response.headers.get(name) for name in [*PROTECTING, "Content-Security-Policy"]}


def test_the_mcp_endpoints_refusals_carry_the_apis_security_headers(asgi_portal):
    refused = requests.post(f"{asgi_portal}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    api_refused = requests.get(f"{asgi_portal}/api/v1/orders")

    assert refused.status_code == api_refused.status_code == 401
    assert protecting_headers(refused) == protecting_headers(api_refused)
    assert all(protecting_headers(refused)[name] for name in PROTECTING)
    assert protecting_headers(refused)["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_the_mcp_endpoint_echoes_a_callers_request_id_and_gives_one_to_every_other_answer(asgi_portal):
    """A builder's 401 from /mcp ties to the server's log lines as the API's do (actions_api.request_ids)."""
    traced = requests.post(f"{asgi_portal}/mcp", json={}, headers={"X-Request-ID": "gpt-trace-42"})
    untraced = [requests.post(f"{asgi_portal}/mcp", json={}) for _ in range(2)]
    forged = requests.post(f"{asgi_portal}/mcp", json={}, headers={"X-Request-ID": "x\\n" + "y" * 70})

    assert traced.status_code == 401 and traced.headers["X-Request-ID"] == "gpt-trace-42"
    generated = [response.headers["X-Request-ID"] for response in (*untraced, forged)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", request_id) for request_id in generated)
    assert len(set(generated)) == 3
