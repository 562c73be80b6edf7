"""
The README's production command under load and at its edges, in real uvicorn processes on the
test database and the real Redis: a burst of 400 calls on 32 threads against four workers gets
no 5xx, holds no more PostgreSQL connections than workers x pool size, every answered call is
in the Action-call log and one /metrics scrape counts them all (PROMETHEUS_MULTIPROC_DIR); a
stopped worker finishes its in-flight request; an unreachable database answers 503, never a 500
or a hang.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import requests
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

from accounts.models import Application, User
from accounts.token_minting import access_token_payload, sign_access_token
from actions_api.demo import seed_demo
from actions_api.models import ActionCall
from roles.conf import rolegate_settings
from tests.servers import free_port, uvicorn_command, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.live_server]

PROJECT = Path(__file__).resolve().parents[2]
WORKERS, POOL_MAX = 4, 4
APP_NAME = "rolegate-load-test"
PATHS = ["/api/v1/me", "/api/v1/orders", "/api/v1/customers", "/api/v1/documents"]
STARTUP_SECONDS = 120


def database_url(name: str | None = None) -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name or db['NAME']}"


def production_env(**overrides: str) -> dict[str, str]:
    """The README's production variables; issuer and audience are the test process's, so its tokens verify."""
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set (make test sets it)")
    env = {name: value for name, value in os.environ.items() if name != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "PORTAL_BASE_URL": rolegate_settings.PORTAL_BASE_URL,
        "API_AUDIENCE": rolegate_settings.API_AUDIENCE,
        "PGAPPNAME": APP_NAME,
        **overrides,
    }


@contextmanager
def serving(env: dict[str, str], *options: str, log: Path):
    """uvicorn with `options` on a free port until it answers /healthz; stopped (SIGTERM) at the end."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with log.open("w") as output:
        server = subprocess.Popen(
            uvicorn_command(port, *options), cwd=PROJECT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        # A busy machine may take long to import and answer the first request: a slow answer is
        # waited for (never sent again, which would only add to the queue), a refused one retried.
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert server.poll() is None, f"uvicorn exited:\n{log.read_text()}"
            try:
                requests.get(f"{base_url}/healthz", timeout=(5, max(5, deadline - time.monotonic())))
                break
            except (requests.ConnectionError, requests.Timeout):  # a busy host starts workers slowly
                assert time.monotonic() < deadline, f"uvicorn did not start:\n{log.read_text()}"
                time.sleep(0.2)
        yield base_url, server
    finally:
        if server.poll() is None:
            server.terminate()
        server.wait(timeout=30)


def mint(user: User, connection: Application) -> str:
    payload = access_token_payload(
        user=user, connection=connection, scopes=["openid", "profile", "api"], issued_at=int(time.time())
    )
    return sign_access_token(payload)


class ConnectionSampler(threading.Thread):
    """Counts, every 20 ms, the PostgreSQL connections the servers under test hold (by application_name)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.most, self.running = 0, True

    def run(self) -> None:
        with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
            while self.running:
                held = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [APP_NAME]
                ).fetchone()[0]
                self.most = max(self.most, held)
                time.sleep(0.02)

    def stop(self) -> int:
        self.running = False
        self.join(timeout=5)
        return self.most


def test_400_calls_on_32_threads_against_4_workers_get_no_5xx_bounded_connections_and_a_complete_log(
    transactional_db, tmp_path
):
    seed_demo()
    connection = Application.objects.get(client_id="demo-gpt")
    tokens = [mint(user, connection) for user in User.objects.filter(username__in=["alice", "bob", "carol", "erin"])]
    (metrics_dir := tmp_path / "metrics").mkdir()  # the README: one empty directory for a host's workers
    env = production_env(
        DB_POOL_MAX_SIZE=str(POOL_MAX),
        DB_POOL_TIMEOUT_SECONDS="10",
        API_RATE_PER_USER="100000/min",
        API_RATE_PER_CONNECTION="100000/min",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
    )

    with serving(env, "--workers", str(WORKERS), log=tmp_path / "uvicorn.log") as (base_url, _):
        sessions = threading.local()

        def call(number: int) -> int:
            if not hasattr(sessions, "http"):
                sessions.http = requests.Session()
            response = sessions.http.get(
                f"{base_url}{PATHS[number % len(PATHS)]}",
                timeout=60,
                headers={"Authorization": f"Bearer {tokens[number % len(tokens)]}"},
            )
            return response.status_code

        ActionCall.objects.all().delete()  # the start-up probes' calls, if any
        sampler = ConnectionSampler()
        sampler.start()
        with ThreadPoolExecutor(max_workers=32) as threads:
            statuses = Counter(threads.map(call, range(400)))
        most_connections = sampler.stop()
        scrape = requests.get(f"{base_url}/metrics", timeout=30)

    assert sum(statuses.values()) == 400
    assert not [status for status in statuses if status >= 500], statuses
    assert statuses[200] > 0, statuses
    assert 0 < most_connections <= WORKERS * POOL_MAX
    assert ActionCall.objects.count() == 400
    assert Counter(ActionCall.objects.values_list("status", flat=True)) == statuses
    # One scrape sums every worker's series (PROMETHEUS_MULTIPROC_DIR), so it counts all 400 calls.
    assert scrape.status_code == 200, scrape.text
    series = {family.name: family.samples for family in text_string_to_metric_families(scrape.text)}
    answered = Counter()
    for sample in series["django_http_responses_total_by_status_view_method"]:
        if sample.labels["view"].startswith("api:"):
            answered[int(sample.labels["status"])] += int(sample.value)
    assert answered == statuses
    (confirmed,) = series["rolegate_revocation_list_confirmed_timestamp_seconds"]  # the stalest worker's
    assert time.time() - 60 < confirmed.value <= time.time()
    assert {sample.labels["state"] for sample in series["rolegate_db_pool_connections"]} >= {"in_use", "idle"}


def test_a_worker_stopped_with_sigterm_finishes_the_request_in_flight(transactional_db, tmp_path):
    seed_demo()
    token = mint(User.objects.get(username="alice"), Application.objects.get(client_id="demo-gpt"))
    env = production_env()

    with serving(env, "--timeout-graceful-shutdown", "20", log=tmp_path / "uvicorn.log") as (base_url, server):
        port = int(base_url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=30) as client:
            # The request's head now, its (empty JSON) body only after the stop signal: it is in flight.
            head = (
                f"GET /api/v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                "Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n"
            )
            client.sendall(head.encode())
            wait_until(
                lambda: _unread_bytes(port, client.getsockname()[1]) == 0,
                timeout=60,
                interval=0.02,
                message="uvicorn reading the request's head",
            )
            server.send_signal(signal.SIGTERM)
            log = tmp_path / "uvicorn.log"
            wait_until(lambda: "Shutting down" in log.read_text(), timeout=60, message="uvicorn's shutdown")
            client.sendall(b"{}")
            answer = b""
            while chunk := client.recv(65536):
                answer += chunk
        server.wait(timeout=30)  # uvicorn exits by re-raising the signal once the request is answered

    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 200 OK", answer[:500]
    assert b'"preferred_username":"alice"' in rest


def test_with_the_database_unreachable_calls_get_a_503_quickly_never_a_500_or_a_hang(transactional_db, tmp_path):
    seed_demo()
    token = mint(User.objects.get(username="alice"), Application.objects.get(client_id="demo-gpt"))
    env = production_env(DATABASE_URL="postgres://postgres@127.0.0.1:1/unreachable", DB_POOL_TIMEOUT_SECONDS="1")

    with serving(env, log=tmp_path / "uvicorn.log") as (base_url, _):
        api = requests.get(f"{base_url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=30)
        page = requests.get(f"{base_url}/.well-known/jwks.json", timeout=30)
        grant = requests.post(f"{base_url}/o/token/", data={"grant_type": "refresh_token", "refresh_token": "r"})
        scim = requests.get(f"{base_url}/scim/v2/Users", headers={"Authorization": "Bearer scim-token"}, timeout=30)
        ready = requests.get(f"{base_url}/readyz", timeout=30)

    assert api.status_code == 503 and api.headers["Content-Type"] == "application/problem+json"
    assert api.json()["error"] == "service_unavailable" and api.headers["Retry-After"]
    assert page.status_code == 503 and "Service unavailable" in page.text
    # Machine callers get their protocol's error: OAuth's (RFC 6749 §5.2) and SCIM's (RFC 7644 §3.12).
    assert grant.status_code == 503 and grant.json()["error"] == "temporarily_unavailable", grant.text
    assert grant.headers["Retry-After"]
    assert scim.status_code == 503 and scim.headers["Content-Type"] == "application/scim+json", scim.text
    assert scim.json()["status"] == "503" and scim.headers["Retry-After"]
    assert ready.status_code == 503 and ready.json() == {
        "status": "unavailable",
        "database": "unreachable",
        "cache": "ok",
    }


def _unread_bytes(server_port: int, client_port: int) -> int | None:
    """
    Bytes the kernel holds for uvicorn on the connection from `client_port` and uvicorn has not
    read yet (/proc/net/tcp's rx_queue); None while the connection is not listed. Zero once the
    server has read (and parsed) what the client sent: its request is in flight.
    """
    server, client = f"0100007F:{server_port:04X}", f"0100007F:{client_port:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == server and fields[2] == client:
            return int(fields[4].split(":")[1], 16)
    return None
