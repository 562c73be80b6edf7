"""Helpers for tests that run the portal in a real server process."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.core.servers.basehttp import ThreadedWSGIServer

PROJECT_DIR = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoDelayWSGIServer(ThreadedWSGIServer):
    """
    The live server's (pytest-django's `live_server`) WSGI server, with Nagle's algorithm off on
    each connection, as uvicorn and gunicorn do.

    Django's server sends a response's head and body in two writes; with Nagle on, the body waits
    for the client to acknowledge the head, and the client delays that acknowledgement 40 ms on
    Linux. Every request to the live server took over 40 ms however small (0.6-0.9 ms without).
    """

    def get_request(self):
        connection, address = super().get_request()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address


def servers_database_url() -> str:
    """The URL of the database pytest-django set up, for server processes the test starts."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    credentials = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def server_env(**overrides: str) -> dict[str, str]:
    """
    The environment of a portal process a test starts: this run's test settings, the test
    database, and this worker's Redis database (REDIS_URL, set per pytest-xdist worker by
    portal.test_settings), with `overrides` on top.
    """
    return {
        **os.environ,
        "DATABASE_URL": servers_database_url(),
        "DJANGO_SETTINGS_MODULE": "portal.test_settings",
        "CONN_MAX_AGE": "0",
        "DEBUG": "false",
        **overrides,
    }


def shared_redis_url() -> str:
    """This worker's Redis database, for tests whose processes must share a cache (skipped without one)."""
    from django.conf import settings

    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set (make test sets it)")
    return settings.REDIS_URL


def wait_until(condition, *, timeout: float, interval: float = 0.1, message: str = "condition"):
    """Polls `condition` until it returns a truthy value (returned); fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        assert time.monotonic() < deadline, f"{message} did not happen within {timeout} s"
        time.sleep(interval)


def wait_for_the_next_whole_second() -> None:
    """Polls until the clock enters a new second: `iat` is whole seconds, so a token minted in a
    revocation's second counts as issued before it; one minted after this does not."""
    second = int(time.time())
    wait_until(lambda: int(time.time()) > second, timeout=2, interval=0.02, message="the next second")


class RedisServer:
    """A redis-server of the test's own, on a free port, that the test may stop, hang and resume."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: _answers(self.port), timeout=10, message="redis-server start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def hang(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class PortalProcess:
    """`uvicorn portal.asgi:application` in a process of its own (its own memory), on a free port."""

    def __init__(self, *, log_path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self, *, env: dict) -> None:
        self.launch(env=env)
        self.wait_until_healthy()

    def launch(self, *, env: dict) -> None:
        """Starts the process without waiting for it (several start side by side: see `wait_until_healthy`)."""
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                uvicorn_command(self.port),
                cwd=PROJECT_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_until_healthy(self) -> None:
        wait_until(self._healthy, timeout=60, interval=0.2, message=f"uvicorn on {self.port}")

    def _healthy(self) -> bool:
        assert self.process.poll() is None, f"uvicorn exited:\n{open(self.log_path).read()}"
        try:
            return requests.get(f"{self.url}/healthz", timeout=10).status_code == 200
        except (requests.ConnectionError, requests.Timeout):  # a first request under load may be slow
            return False

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def log(self) -> str:
        return open(self.log_path).read()


def uvicorn_command(port: int, *options: str) -> list[str]:
    """The README's deployable on a loopback port, with extra uvicorn `options` (workers, shutdown…)."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "portal.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *options,
    ]
