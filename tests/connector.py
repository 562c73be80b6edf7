"""
A client that behaves like a Claude connector or a ChatGPT app, over real HTTP, by hand.

It registers itself (RFC 7591) as a public client, opens the authorization URL with PKCE
S256 and a `resource` (RFC 8707), signs a user in through the login and consent pages as a
browser would, and exchanges the code with its verifier. (The MCP SDK's own client does the
same in tests/actions_api/test_mcp_flow.py; this one lets tests vary each step.)
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import requests

from tests.chatgpt import ChatGPT, form_fields

CLAUDE_CALLBACK = "https://claude.ai/api/mcp/auth_callback"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def consent_in_browser(
    authorization_url: str, username: str, *, callback: str, password: str = "rolegate-demo"
) -> dict:
    """
    What the user does in the browser the client opened: signs in, approves on the consent
    page; returns the query of the redirect to the client's `callback` (not followed).
    """
    base_url = "{0.scheme}://{0.netloc}".format(urlsplit(authorization_url))
    browser = requests.Session()
    page = browser.get(authorization_url)
    response = ChatGPT.submit_login(browser, page, username, password)
    assert response.status_code == 302, response.text[:500]
    response = browser.get(base_url + response.headers["Location"], allow_redirects=False)
    if response.status_code == 200:  # the consent page
        response = browser.post(
            response.url, data={**form_fields(response.text), "allow": "Authorize"}, allow_redirects=False
        )
    assert response.status_code == 302, response.text[:500]
    location = response.headers["Location"]
    assert location.split("?")[0] == callback, location
    return {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}


@dataclass
class Connector:
    base_url: str
    callback: str = CLAUDE_CALLBACK
    client_id: str = ""

    def register(self, **metadata) -> dict:
        response = requests.post(
            f"{self.base_url}/o/register/",
            json={
                "client_name": "Claude",
                "redirect_uris": [self.callback],
                "token_endpoint_auth_method": "none",
                "grant_types": ["authorization_code", "refresh_token"],
                **metadata,
            },
        )
        assert response.status_code == 201, response.text
        self.client_id = response.json()["client_id"]
        return response.json()

    def authorize(self, username: str, *, resource: str | None, scope: str = "openid profile api") -> tuple[dict, str]:
        """Signs `username` in; returns the callback's query parameters and the PKCE verifier."""
        verifier, challenge = pkce_pair()
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.callback,
            "scope": scope,
            "state": secrets.token_urlsafe(16),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        if resource is not None:
            params["resource"] = resource
        url = requests.Request("GET", f"{self.base_url}/o/authorize/", params=params).prepare().url
        query = consent_in_browser(url, username, callback=self.callback)
        assert query.get("state") == params["state"]
        return query, verifier

    def exchange(self, code: str, verifier: str, *, resource: str | None = None) -> requests.Response:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.callback,
            "client_id": self.client_id,
            "code_verifier": verifier,
        }
        if resource is not None:
            form["resource"] = resource
        return requests.post(f"{self.base_url}/o/token/", data=form)

    def sign_in(self, username: str, *, resource: str | None, scope: str = "openid profile api") -> dict:
        query, verifier = self.authorize(username, resource=resource, scope=scope)
        response = self.exchange(query["code"], verifier, resource=resource)
        assert response.status_code == 200, response.text
        return response.json()
