"""
The shared cache goes down (stopped, or hung: accepting connections but never answering) under
concurrent load on two processes: nothing answers 500, a revocation made during the outage is
enforced by both within 2 s, sign-in keeps working, and full service returns with the cache.
"""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.chatgpt import ChatGPT
from tests.portal.conftest import portal_processes
from tests.portal.test_scale_out import REVOCATION_BOUND_SECONDS, SLACK_SECONDS, get, mcp_tools
from tests.servers import RedisServer, wait_until

pytestmark = [pytest.mark.live_server, pytest.mark.slow]


@pytest.fixture(scope="module")
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    if server.process.poll() is None:
        server.resume()
        server.stop()


@pytest.fixture(scope="module")
def portals(seeded_database, redis_server, tmp_path_factory):
    with portal_processes(
        2, log_dir=tmp_path_factory.mktemp("portals"), REDIS_URL=redis_server.url, API_RATE_PER_USER="100000/min"
    ) as processes:
        yield processes


class Load:
    """Threads calling the REST API and the MCP endpoint of every process until stopped; counts statuses."""

    def __init__(self, portals, token: str, *, threads: int = 6) -> None:
        self.portals, self.token, self.threads = portals, token, threads
        self.statuses: Counter = Counter()
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(threads)

    def __enter__(self):
        self._futures = [self._pool.submit(self._run, index) for index in range(self.threads)]
        return self

    def _run(self, index: int) -> None:
        portal = self.portals[index % len(self.portals)]
        while not self._stop.is_set():
            response = get(portal, "/api/v1/orders", self.token) if index % 3 else mcp_tools(portal, self.token)
            self.statuses[response.status_code] += 1

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        for future in self._futures:
            future.result()
        self._pool.shutdown()


def revoke(portal, gpt: ChatGPT, token: str) -> requests.Response:
    return requests.post(
        f"{portal.url}/o/revoke_token/",
        timeout=10,
        data={
            "token": token,
            "token_type_hint": "access_token",
            "client_id": gpt.client_id,
            "client_secret": gpt.client_secret,
        },
    )


def refused_everywhere_within_bound(portals, token: str) -> None:
    for portal in portals:
        wait_until(
            lambda portal=portal: get(portal, "/api/v1/me", token).status_code == 401,
            timeout=REVOCATION_BOUND_SECONDS + SLACK_SECONDS,
            interval=0.05,
            message="the refusal",
        )


@pytest.mark.parametrize("outage", ["stopped", "hung"])
def test_the_api_keeps_serving_and_revoking_while_the_shared_cache_is_out(portals, redis_server, outage):
    a, b = portals
    gpt = ChatGPT(a.url)
    busy, revoked_during, revoked_after = (gpt.sign_in(name)["access_token"] for name in ("alice", "carol", "bob"))

    with Load(portals, busy) as load:
        redis_server.stop() if outage == "stopped" else redis_server.hang()

        assert revoke(a, gpt, revoked_during).status_code == 200
        refused_everywhere_within_bound(portals, revoked_during)
        signed_in = ChatGPT(b.url).sign_in("erin")["access_token"]  # sign-in, consent and tokens keep working
        assert get(a, "/api/v1/me", signed_in).status_code == 200

        redis_server.start() if outage == "stopped" else redis_server.resume()
        for portal in portals:
            wait_until(
                lambda portal=portal: get(portal, "/api/v1/me", busy).status_code == 200, timeout=5, message="service"
            )

    assert not [status for status in load.statuses if status >= 500], load.statuses
    assert load.statuses[200] > 0
    assert all(get(portal, "/api/v1/me", revoked_during).status_code == 401 for portal in portals)  # nothing lost
    assert revoke(b, gpt, revoked_after).status_code == 200
    refused_everywhere_within_bound(portals, revoked_after)
