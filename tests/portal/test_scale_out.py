"""
Two app processes (separate memory) on one PostgreSQL and one Redis, as behind a load balancer:
sign-in, verification, row filtering, revocation, key rotation and rate limits hold across them.
"""

import re
import subprocess
import sys
import time
from urllib.parse import urlsplit

import jwt
import pytest
import requests

from tests.chatgpt import ChatGPT, form_fields
from tests.connector import Connector
from tests.portal.conftest import portal_processes
from tests.servers import PROJECT_DIR, server_env, shared_redis_url, wait_until

pytestmark = [pytest.mark.live_server, pytest.mark.slow]

RATE_PER_USER = 60
REVOCATION_BOUND_SECONDS = 2.0
SLACK_SECONDS = 0.5  # HTTP round trips of the polling itself


@pytest.fixture(scope="module")
def portals(seeded_database, tmp_path_factory):
    with portal_processes(
        2,
        log_dir=tmp_path_factory.mktemp("portals"),
        REDIS_URL=shared_redis_url(),
        API_RATE_PER_USER=f"{RATE_PER_USER}/min",
    ) as processes:
        yield processes


def on(portal, url: str) -> str:
    """`url` sent to `portal` instead (the load balancer picked another process)."""
    parts = urlsplit(url)
    return parts._replace(netloc=urlsplit(portal.url).netloc).geturl()


def alternating_sign_in(a, b, username: str) -> dict:
    """ChatGPT's sign-in, every step on the other process than the step before."""
    gpt = ChatGPT(a.url, token_endpoint=f"{b.url}/o/token/")
    browser = requests.Session()
    page = browser.get(gpt.authorization_url(state="alt"))  # on a
    login = browser.post(
        on(b, page.url),
        data={**form_fields(page.text), "username": username, "password": "rolegate-demo"},
        allow_redirects=False,
    )  # on b
    assert login.status_code == 302, login.text[:300]
    consent = browser.get(a.url + login.headers["Location"], allow_redirects=False)  # on a
    if consent.status_code == 200:
        consent = browser.post(
            on(b, consent.url), data={**form_fields(consent.text), "allow": "Authorize"}, allow_redirects=False
        )  # on b
    assert consent.status_code == 302, consent.text[:300]
    code = dict(part.split("=", 1) for part in urlsplit(consent.headers["Location"]).query.split("&"))["code"]
    response = gpt.token_request({"grant_type": "authorization_code", "code": code, "redirect_uri": gpt.callback})
    assert response.status_code == 200, response.text  # on a
    gpt.tokens = response.json()
    return gpt.tokens


def get(portal, path: str, token: str) -> requests.Response:
    return requests.get(f"{portal.url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=10)


def mcp_tools(portal, token: str) -> requests.Response:
    return requests.post(
        f"{portal.url}/mcp",
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        timeout=10,
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json, text/event-stream"},
    )


def refused_within_bound(check) -> float:
    """Polls `check` (True once refused) and returns how long the refusal took to appear."""
    started = time.monotonic()
    wait_until(check, timeout=REVOCATION_BOUND_SECONDS + SLACK_SECONDS, interval=0.05, message="the refusal")
    return time.monotonic() - started


def test_a_sign_in_alternating_between_processes_completes_and_both_filter_the_same_rows(portals):
    a, b = portals
    token = alternating_sign_in(a, b, "alice")["access_token"]

    rows = [
        sorted(row["id"] for row in get(portal, "/api/v1/orders?page_size=100", token).json()["results"])
        for portal in (a, b)
    ]
    assert rows[0] == rows[1] and rows[0]
    regions = {row["region"] for row in get(b, "/api/v1/orders?page_size=100", token).json()["results"]}
    assert regions == {"EMEA"}


def test_an_access_token_revoked_on_one_process_is_refused_by_the_other_within_2_seconds(portals):
    a, b = portals
    gpt = ChatGPT(a.url)
    token = gpt.sign_in("carol")["access_token"]
    assert get(b, "/api/v1/me", token).status_code == 200  # b holds its revocation list now

    revoked = requests.post(
        f"{a.url}/o/revoke_token/",
        data={
            "token": token,
            "token_type_hint": "access_token",
            "client_id": gpt.client_id,
            "client_secret": gpt.client_secret,
        },
    )
    assert revoked.status_code == 200

    refused_within_bound(lambda: get(b, "/api/v1/me", token).status_code == 401)
    assert "revoked" in get(b, "/api/v1/me", token).json()["detail"]
    assert get(a, "/api/v1/me", token).status_code == 401
    assert get(b, "/api/v1/me", gpt.sign_in("carol")["access_token"]).status_code == 200  # a new sign-in works


def test_an_mcp_token_is_refused_after_the_user_revokes_the_connection_like_a_rest_token(portals):
    a, b = portals
    connector = Connector(a.url)
    connector.register()
    token = connector.sign_in("erin", resource=f"{a.url}/mcp")["access_token"]
    assert mcp_tools(b, token).status_code == 200

    browser = ChatGPT(a.url).signed_in_browser("erin")
    page = browser.get(f"{a.url}/accounts/apps/")
    (revoke_path,) = set(re.findall(r"/accounts/apps/\d+/revoke/", page.text))  # erin's one connection
    revoked = browser.post(
        f"{a.url}{revoke_path}",
        data={"csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        headers={"Referer": page.url},
        allow_redirects=False,
    )
    assert revoked.status_code == 302, revoked.text[:300]

    refused_within_bound(lambda: mcp_tools(b, token).status_code == 401)
    assert 'error="invalid_token"' in mcp_tools(a, token).headers["WWW-Authenticate"]


def test_after_an_emergency_key_rotation_both_accept_the_new_keys_tokens_and_the_old_ones(portals):
    a, b = portals
    gpt = ChatGPT(a.url)
    old = gpt.sign_in("bob")["access_token"]
    rotated = subprocess.run(
        [sys.executable, "manage.py", "rotate_signing_key", "--now"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        env=server_env(),
    )
    assert rotated.returncode == 0, rotated.stderr
    old_kid = jwt.get_unverified_header(old)["kid"]

    def new_token() -> str | None:
        assert gpt.refresh().status_code == 200
        token = gpt.tokens["access_token"]
        return token if jwt.get_unverified_header(token)["kid"] != old_kid else None

    new = wait_until(new_token, timeout=15, interval=0.5, message="signing with the new key")
    for portal in (a, b):
        wait_until(
            lambda portal=portal: get(portal, "/api/v1/me", new).status_code == 200,
            timeout=15,
            message="new key accepted",
        )
        assert get(portal, "/api/v1/me", old).status_code == 200


def test_the_per_user_rate_limit_is_counted_once_across_both_processes(portals):
    a, b = portals
    token = ChatGPT(a.url).sign_in("dave")["access_token"]

    statuses = [get((a, b)[call % 2], "/api/v1/me", token).status_code for call in range(RATE_PER_USER + 4)]

    assert statuses.count(200) == RATE_PER_USER, statuses
    assert set(statuses[RATE_PER_USER:]) == {429}
