import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from actions_api.demo import seed_demo
from tests.servers import free_port, servers_database_url

PROJECT_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def asgi_portal(transactional_db, tmp_path):
    """
    The deployable (``uvicorn portal.asgi:application``: Django plus the MCP endpoint) in a
    real server process on a free loopback port, on this test's database, with the demo seeded.
    Its PORTAL_BASE_URL is its own address, so issuer, audiences and metadata are the real ones.
    """
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = tmp_path / "uvicorn.log"
    env = {
        **os.environ,
        "DATABASE_URL": servers_database_url(),
        "PORTAL_BASE_URL": base_url,
        "DJANGO_SETTINGS_MODULE": "portal.test_settings",
        "CONN_MAX_AGE": "0",
        "DEBUG": "false",
    }
    seed_demo()
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "portal.asgi:application", "--host", "127.0.0.1", "--port", str(port)],
            cwd=PROJECT_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, f"uvicorn exited:\n{log.read_text()}"
            try:
                if requests.get(f"{base_url}/healthz", timeout=10).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):  # a first request under load may be slow
                pass
            assert time.monotonic() < deadline, f"uvicorn did not start:\n{log.read_text()}"
            time.sleep(0.2)
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=10)
