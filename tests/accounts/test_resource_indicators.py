"""RFC 8707: the resource a client asks for becomes its token's audience, and only known ones are served."""

import jwt
import pytest
import requests

from accounts.resources import UnknownResource, token_audience
from roles.conf import rolegate_settings
from tests.chatgpt import ChatGPT
from tests.connector import Connector, pkce_pair

API, MCP = "http://127.0.0.1:8000/api", "http://127.0.0.1:8000/mcp"


def audience(tokens: dict) -> str:
    return jwt.decode(tokens["access_token"], options={"verify_signature": False})["aud"]


@pytest.mark.parametrize(
    ("requested", "granted", "expected"),
    [
        ([], [], API),
        ([MCP], [], MCP),
        ([MCP + "/"], [], MCP),
        ([], [MCP], MCP),
        ([MCP], [MCP], MCP),
        ([API], [], API),
    ],
)
def test_the_token_audience_is_the_one_known_resource_asked_for(requested, granted, expected):
    assert token_audience(requested=requested, granted=granted) == expected


@pytest.mark.parametrize(
    ("requested", "granted"),
    [
        (["https://evil.example/mcp"], []),
        (["http://127.0.0.1:8000"], []),
        (["http://127.0.0.1:8000/mcp/../admin"], []),
        ([API, MCP], []),
        ([API], [MCP]),
    ],
)
def test_unknown_several_or_widened_resources_are_refused(requested, granted):
    with pytest.raises(UnknownResource):
        token_audience(requested=requested, granted=granted)


@pytest.fixture
def connector(live_demo):
    connector = Connector(live_demo.url)
    connector.register()
    return connector


@pytest.mark.django_db(transaction=True)
def test_a_token_requested_for_the_mcp_resource_has_the_mcp_audience(connector):
    tokens = connector.sign_in("alice", resource=rolegate_settings.MCP_RESOURCE)

    assert audience(tokens) == MCP


@pytest.mark.django_db(transaction=True)
def test_the_resource_given_only_at_authorization_carries_over_to_the_token_and_its_refresh(connector):
    query, verifier = connector.authorize("alice", resource=MCP)
    tokens = connector.exchange(query["code"], verifier).json()
    assert audience(tokens) == MCP

    refreshed = requests.post(
        f"{connector.base_url}/o/token/",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": connector.client_id,
        },
    )

    assert refreshed.status_code == 200, refreshed.text
    assert audience(refreshed.json()) == MCP


@pytest.mark.django_db(transaction=True)
def test_without_a_resource_the_token_is_for_the_rest_api(connector):
    assert audience(connector.sign_in("alice", resource=None)) == API


@pytest.mark.django_db(transaction=True)
def test_an_unknown_resource_at_authorization_is_sent_back_as_invalid_target(connector):
    browser = ChatGPT(connector.base_url).signed_in_browser("alice")
    _, challenge = pkce_pair()

    response = browser.get(
        f"{connector.base_url}/o/authorize/",
        allow_redirects=False,
        params={
            "response_type": "code",
            "client_id": connector.client_id,
            "redirect_uri": connector.callback,
            "state": "s1",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "resource": "https://evil.example/mcp",
        },
    )

    assert response.status_code == 302
    assert response.headers["Location"].startswith(connector.callback + "?")
    assert "error=invalid_target" in response.headers["Location"]
    assert "state=s1" in response.headers["Location"]


@pytest.mark.django_db(transaction=True)
def test_a_token_request_cannot_switch_to_another_resource(connector):
    query, verifier = connector.authorize("alice", resource=MCP)

    response = connector.exchange(query["code"], verifier, resource=API)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_target"


@pytest.mark.django_db(transaction=True)
def test_a_token_request_for_an_unknown_resource_is_invalid_target(connector):
    query, verifier = connector.authorize("alice", resource=None)

    response = connector.exchange(query["code"], verifier, resource="https://evil.example/")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_target"


@pytest.mark.django_db(transaction=True)
def test_a_public_client_without_pkce_is_refused(connector):
    browser = ChatGPT(connector.base_url).signed_in_browser("alice")

    response = browser.get(
        f"{connector.base_url}/o/authorize/",
        allow_redirects=False,
        params={
            "response_type": "code",
            "client_id": connector.client_id,
            "redirect_uri": connector.callback,
            "state": "s2",
            "resource": MCP,
        },
    )

    assert response.status_code == 302
    assert "error=invalid_request" in response.headers["Location"]
