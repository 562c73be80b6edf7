"""
The bearer pipeline on the deployable (uvicorn, shared Redis): /api and /mcp refuse the same
tokens for the same reasons, MCP tool calls are rate-limited and logged like API requests.
"""

import base64
import json
import subprocess
import sys

import pytest
import redis
import requests
from oauth2_provider.models import get_application_model

from actions_api.models import ActionCall
from tests.chatgpt import ChatGPT, form_fields
from tests.connector import Connector
from tests.portal.conftest import portal_processes
from tests.portal.test_scale_out import get, mcp_tools
from tests.servers import PROJECT_DIR, server_env, shared_redis_url, wait_until

pytestmark = [pytest.mark.live_server, pytest.mark.slow]

RATE_PER_USER = 5
BOUND = 2.5  # the revocation bound (2 s) plus the polling's own round trips


@pytest.fixture(scope="module")
def portal(seeded_database, tmp_path_factory):
    redis.Redis.from_url(shared_redis_url()).flushdb()  # this worker's own database index: no earlier counters
    with portal_processes(
        1,
        log_dir=tmp_path_factory.mktemp("portal"),
        REDIS_URL=shared_redis_url(),
        API_RATE_PER_USER=f"{RATE_PER_USER}/min",
    ) as (process,):
        yield process


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def tool_call(portal, token: str, name: str, arguments: dict, **headers: str) -> requests.Response:
    return requests.post(
        f"{portal.url}/mcp",
        timeout=10,
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": arguments}},
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json, text/event-stream", **headers},
    )


def test_a_forged_token_with_a_non_latin_1_header_field_gets_401_not_500(portal):
    header = {"alg": "RS256", "typ": "at+jwt", "kid": "k", "\u4e2d\u6587": "\u2603"}
    forged = f"{b64url(json.dumps(header).encode())}.{b64url(b'{}')}.{b64url(b'sig')}"

    for response in (mcp_tools(portal, forged), get(portal, "/api/v1/me", forged)):
        assert response.status_code == 401, response.text
        assert response.headers["WWW-Authenticate"].isascii()
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_disabled_connections_tokens_are_refused_by_the_api_and_mcp(portal, django_db_blocker):
    connector = Connector(portal.url)
    connector.register()
    mcp_token = connector.sign_in("alice", resource=f"{portal.url}/mcp")["access_token"]
    api_token = connector.sign_in("alice", resource=None)["access_token"]
    assert mcp_tools(portal, mcp_token).status_code == 200 and get(portal, "/api/v1/me", api_token).status_code == 200
    with django_db_blocker.unblock():
        pk = get_application_model().objects.get(client_id=connector.client_id).pk

    admin = ChatGPT(portal.url).signed_in_browser("admin", "rolegate-admin")
    page = admin.get(f"{portal.url}/admin/accounts/application/")
    response = admin.post(
        page.url,
        data={**form_fields(page.text), "action": "disable", "_selected_action": [pk]},
        headers={"Referer": page.url},
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:300]

    wait_until(lambda: mcp_tools(portal, mcp_token).status_code == 401, timeout=BOUND, interval=0.05, message="MCP")
    assert get(portal, "/api/v1/me", api_token).status_code == 401


def test_a_user_deleted_from_the_shell_is_refused_at_once(portal):
    gpt = ChatGPT(portal.url)
    token = gpt.sign_in("carol")["access_token"]
    assert get(portal, "/api/v1/me", token).status_code == 200

    deleted = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from accounts.models import User; User.objects.get(username='carol').delete()",
        ],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        env=server_env(REDIS_URL=shared_redis_url()),
    )
    assert deleted.returncode == 0, deleted.stderr

    wait_until(
        lambda: get(portal, "/api/v1/me", token).status_code == 401, timeout=BOUND, interval=0.05, message="the refusal"
    )


def test_mcp_tool_calls_share_the_rest_rate_limit_and_appear_in_the_action_call_log(portal, django_db_blocker):
    token = Connector(portal.url)
    token.register()
    access = token.sign_in("bob", resource=f"{portal.url}/mcp")["access_token"]

    request_ids = [f"mcp-call-{number}" for number in range(RATE_PER_USER + 1)]
    responses = [
        tool_call(portal, access, "list_orders", {"page": 1}, **{"X-Request-ID": request_id})
        for request_id in request_ids
    ]
    results = [response.json()["result"] for response in responses]

    assert [response.headers["X-Request-ID"] for response in responses] == request_ids
    assert [result.get("isError", False) for result in results] == [False] * RATE_PER_USER + [True]
    assert "throttled" in results[-1]["content"][0]["text"]
    with django_db_blocker.unblock():  # each process writes its calls within ACTION_CALL_FLUSH_SECONDS (1 s)
        calls = wait_until(
            lambda: _flushed(ActionCall.objects.filter(username="bob", method="MCP").order_by("at"), RATE_PER_USER + 1),
            timeout=5,
            message="the calls' flush",
        )
    assert [call.endpoint for call in calls] == ["list_orders(page:int, page_size:int)"] * (RATE_PER_USER + 1)
    assert [call.status for call in calls] == [200] * RATE_PER_USER + [429]
    assert calls[0].rows and calls[-1].error == "throttled"
    assert [call.request_id for call in calls] == request_ids  # a row ties to its answer and its log lines


def _flushed(calls, expected: int) -> list:
    rows = list(calls)
    return rows if len(rows) >= expected else []
