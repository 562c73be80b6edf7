"""
A client that behaves like ChatGPT's GPT Actions (DESIGN §3), over real HTTP.

It opens the authorization URL without PKCE, signs a user in through the login and consent
pages as a browser would, catches the redirect to the ChatGPT callback, exchanges the code
with the client credentials in the form body or a Basic header, then calls the API.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import requests


class _FormFields(HTMLParser):
    """Collects the named inputs of the first form on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.action: str | None = None
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and self.action is None:
            self._in_form, self.action = True, attributes.get("action") or ""
        elif tag == "input" and self._in_form and attributes.get("name") and attributes.get("type") != "submit":
            self.fields[attributes["name"]] = attributes.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False


def form_fields(html: str) -> dict[str, str]:
    parser = _FormFields()
    parser.feed(html)
    return parser.fields


@dataclass
class ChatGPT:
    base_url: str
    client_id: str = "demo-gpt"
    client_secret: str = "demo-gpt-secret"
    exchange: str = "post"  # "post": credentials in the body; "basic": in an Authorization header
    callback: str = "https://chatgpt.com/aip/g-Demo1234/oauth/callback"
    tokens: dict = field(default_factory=dict)
    # The GPT editor's Authorization URL and Token URL; by default the portal's own.
    authorization_endpoint: str = ""
    token_endpoint: str = ""

    def __post_init__(self) -> None:
        self.authorization_endpoint = self.authorization_endpoint or f"{self.base_url}/o/authorize/"
        self.token_endpoint = self.token_endpoint or f"{self.base_url}/o/token/"

    # ---------------------------------------------------------------- sign-in
    def authorize(self, username: str, password: str, *, scope: str = "", state: str | None = None) -> dict:
        """Runs the user's part of the flow; returns the callback's query parameters."""
        state = state or secrets.token_urlsafe(16)
        browser = requests.Session()
        page = browser.get(self.authorization_url(scope=scope, state=state))
        response = self.submit_login(browser, page, username, password)
        assert response.status_code == 302, f"sign-in failed: {response.status_code}"
        response = browser.get(self.base_url + response.headers["Location"], allow_redirects=False)
        if response.status_code == 200:  # the consent page
            response = browser.post(
                response.url, data={**form_fields(response.text), "allow": "Authorize"}, allow_redirects=False
            )
        assert response.status_code == 302, response.text[:500]
        location = response.headers["Location"]
        assert location.split("?")[0] == self.callback, location
        params = {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}
        assert params.get("state") == state
        return params

    def authorization_url(self, *, scope: str = "", state: str = "xyz", **extra) -> str:
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.callback,
            "scope": scope,
            "state": state,
            **extra,
        }
        return requests.Request("GET", self.authorization_endpoint, params=params).prepare().url

    @staticmethod
    def submit_login(browser: requests.Session, page: requests.Response, username: str, password: str):
        """Fills in and posts the login form `page` shows, as a person would."""
        assert urlsplit(page.url).path == "/accounts/login/", page.text[:500]
        return browser.post(
            page.url,
            data={**form_fields(page.text), "username": username, "password": password},
            allow_redirects=False,
        )

    def signed_in_browser(self, username: str, password: str = "rolegate-demo") -> requests.Session:
        browser = requests.Session()
        page = browser.get(f"{self.base_url}/accounts/login/")
        assert self.submit_login(browser, page, username, password).status_code == 302
        return browser

    def sign_in(self, username: str, password: str = "rolegate-demo", *, scope: str = "") -> dict:
        params = self.authorize(username, password, scope=scope)
        response = self.token_request(
            {"grant_type": "authorization_code", "code": params["code"], "redirect_uri": self.callback}
        )
        assert response.status_code == 200, response.text
        self.tokens = response.json()
        return self.tokens

    def refresh(self) -> requests.Response:
        response = self.token_request({"grant_type": "refresh_token", "refresh_token": self.tokens["refresh_token"]})
        if response.status_code == 200:
            self.tokens = response.json()
        return response

    def token_request(self, form: dict) -> requests.Response:
        if self.exchange == "basic":
            return requests.post(self.token_endpoint, data=form, auth=(self.client_id, self.client_secret))
        return requests.post(
            self.token_endpoint,
            data={**form, "client_id": self.client_id, "client_secret": self.client_secret},
        )

    # ---------------------------------------------------------------- Action calls
    def call(self, path: str, **params) -> requests.Response:
        return requests.get(
            f"{self.base_url}{path}",
            params=params,
            headers={"Authorization": f"Bearer {self.tokens['access_token']}"},
        )

    def all_rows(self, path: str) -> list[dict]:
        """Every row of a paginated list, following `next` as a GPT would."""
        response = self.call(path)
        assert response.status_code == 200, response.text
        page = response.json()
        rows = list(page["results"])
        while page["next"]:
            response = requests.get(page["next"], headers={"Authorization": f"Bearer {self.tokens['access_token']}"})
            page = response.json()
            rows.extend(page["results"])
        return rows
