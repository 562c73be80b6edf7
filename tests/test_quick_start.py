"""
The README's first command, proven: the portal on the embedded SQLite default, served by a
real process, signs a ChatGPT user in. (The one place the tests use SQLite.)
"""

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.chatgpt import ChatGPT
from tests.servers import free_port, uvicorn_command, wait_until

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.live_server, pytest.mark.slow]  # migrates SQLite, starts uvicorn and gunicorn


@contextmanager
def portal_process(env: dict, *, server: str = "uvicorn"):
    """Serves the portal in a child process: the ASGI app as `make demo` does, or the WSGI app under gunicorn."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = {
        "uvicorn": uvicorn_command(port),
        "gunicorn": [sys.executable, "-m", "gunicorn", "portal.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{port}"],
    }[server]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: _serves(base_url), timeout=30, interval=0.2, message=f"{server} on {port}")
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _serves(base_url: str) -> bool:
    """Whether the server answers at all (a 503, or no answer in time from a database wait, counts)."""
    try:
        requests.get(f"{base_url}/healthz", timeout=1)
    except requests.ConnectionError:
        return False
    except requests.Timeout:  # it serves, but waits for an unreachable database
        pass
    return True


def process_env(**overrides: str) -> dict:
    env = {name: value for name, value in os.environ.items() if name not in ("DATABASE_URL", "SECRET_KEY")}
    return {**env, "DJANGO_SETTINGS_MODULE": "portal.settings", **overrides}


def test_the_demo_on_sqlite_signs_alice_in_and_shows_emea_orders_only(tmp_path, fresh_process):
    env = process_env(DEBUG="true", DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    migrated = fresh_process("manage.py", "migrate", "--noinput", env=env, timeout=300)
    assert migrated.returncode == 0, migrated.stderr
    seeded = fresh_process("manage.py", "seed_demo", env=env, timeout=300)
    assert seeded.returncode == 0 and "Demo data ready" in seeded.stdout, seeded.stderr

    with portal_process(env) as base_url:
        assert requests.get(f"{base_url}/healthz").json()["database"] == "ok"
        chatgpt = ChatGPT(base_url)
        chatgpt.sign_in("alice")
        orders = chatgpt.all_rows("/api/v1/orders")

    assert orders and {order["region"] for order in orders} == {"EMEA"}


def test_healthz_is_503_while_the_database_is_unreachable():
    # A pool that gives up on the database after 1 s, not the default 3 s: each request waits that long.
    env = process_env(
        DEBUG="true", DATABASE_URL="postgres://postgres@127.0.0.1:1/unreachable", DB_POOL_TIMEOUT_SECONDS="1"
    )
    with portal_process(env, server="gunicorn") as base_url:
        response = requests.get(f"{base_url}/healthz")
    assert response.status_code == 503 and response.json()["status"] == "unavailable"


def test_production_settings_refuse_to_start_without_a_secret_key(fresh_process):
    env = process_env(DEBUG="false")
    result = fresh_process("manage.py", "check", env=env)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr
