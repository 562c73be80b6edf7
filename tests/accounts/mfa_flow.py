"""The GPT sign-in flow in process, step by step, with second-factor pages in between."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import jwt
import pyotp
from django.test import Client

from tests.chatgpt import form_fields

CALLBACK = "https://chatgpt.com/aip/g-Mfa1/oauth/callback"
AUTHORIZE = (
    f"/o/authorize/?response_type=code&client_id=demo-gpt&redirect_uri={CALLBACK}&scope=openid+profile+api&state=s1"
)


def totp_now(secret: str) -> str:
    """What the user's phone shows for an enrolled secret."""
    return pyotp.TOTP(secret).now()


def secret_of(device) -> str:
    return base64.b32encode(device.bin_key).decode()


def follow(client: Client, response, limit: int = 10):
    """Follows local redirects; stops at a page (200/4xx) or at the redirect to the GPT's callback."""
    for _ in range(limit):
        if response.status_code != 302 or response.headers["Location"].startswith("https://"):
            return response
        response = client.get(response.headers["Location"])
    raise AssertionError("redirect loop")


def start_sign_in(client: Client, username: str, password: str = "rolegate-demo"):
    """Opens the GPT's authorization URL and signs in with the password; returns the next page."""
    login = follow(client, client.get(AUTHORIZE))
    response = client.post(
        login.wsgi_request.get_full_path(), {"username": username, "password": password, "next": AUTHORIZE}
    )
    return follow(client, response)


def approve(client: Client, page) -> str:
    """Approves the consent page (if shown); returns the authorization code."""
    if page.status_code == 200:
        page = client.post(AUTHORIZE, {**form_fields(page.content.decode()), "allow": "Authorize"})
    location = page.headers["Location"]
    assert location.startswith(CALLBACK), location
    return parse_qs(urlsplit(location).query)["code"][0]


def exchange(client: Client, code: str) -> dict:
    response = client.post(
        "/o/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "client_id": "demo-gpt",
            "client_secret": "demo-gpt-secret",
        },
    )
    assert response.status_code == 200, response.content
    return response.json()


def refresh(client: Client, refresh_token: str) -> dict:
    response = client.post(
        "/o/token/",
        {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": "demo-gpt",
            "client_secret": "demo-gpt-secret",
        },
    )
    assert response.status_code == 200, response.content
    return response.json()


def claims(token: str) -> dict:
    """The token's payload (its signature is verified by the API tests; here we read what it says)."""
    return jwt.decode(token, options={"verify_signature": False})
