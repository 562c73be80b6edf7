"""
What operators rely on: readiness and liveness, the cache checks, request ids on responses,
Action-call rows and log lines, and /metrics kept to operators. On the real PostgreSQL and Redis;
an unreachable or hung cache is a port of our own that refuses or never answers.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from actions_api.checks import check_cache_works, check_shared_cache_configured
from tests.servers import free_port, server_env

PROJECT = Path(__file__).resolve().parents[2]
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def redis_cache_at(url: str) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }


@contextmanager
def hung_redis():
    """A port that accepts connections and never answers: a Redis that hangs."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"


@pytest.fixture
def real_redis():
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set (make test sets it)")
    return settings.REDIS_URL


def test_readyz_names_each_dependency_when_all_answer(client, db, real_redis):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


@pytest.mark.parametrize("outage", ["refused", "hung"])
def test_with_the_cache_down_readyz_is_503_and_says_what_that_means_while_healthz_stays_green(client, db, outage):
    with hung_redis() as hung:
        url = hung if outage == "hung" else f"redis://127.0.0.1:{free_port()}/0"
        with override_settings(CACHES=redis_cache_at(url)):
            ready, live = client.get("/readyz"), client.get("/healthz")
    assert ready.status_code == 503
    body = ready.json()
    assert body["database"] == "ok" and body["cache"] == "unreachable"
    assert "keeps serving" in body["detail"] and "per process" in body["detail"]
    assert live.status_code == 200 and live.json()["database"] == "ok"


def test_the_start_up_check_fails_when_the_configured_cache_does_not_answer(db):
    with hung_redis() as url, override_settings(CACHES=redis_cache_at(url)):
        errors = check_cache_works()
    assert [error.id for error in errors] == ["actions_api.E002"]


def test_the_start_up_check_passes_with_a_cache_that_answers(db, real_redis):
    assert check_cache_works() == []


def test_the_deploy_check_warns_only_for_production_without_a_shared_cache(real_redis):
    with override_settings(DEBUG=False, CACHES=LOCMEM):
        assert [warning.id for warning in check_shared_cache_configured()] == ["actions_api.W001"]
    with override_settings(DEBUG=True, CACHES=LOCMEM):
        assert check_shared_cache_configured() == []
    with override_settings(DEBUG=False, CACHES=redis_cache_at(real_redis)):
        assert check_shared_cache_configured() == []


def test_a_refused_call_carries_the_callers_request_id_in_its_response_and_its_action_call_row(
    client, db, logged_calls
):
    response = client.get("/api/v1/me", headers={"X-Request-ID": "lb-4f2a.91"})

    assert response.status_code == 401
    assert response.headers["X-Request-ID"] == "lb-4f2a.91"
    assert logged_calls().get().request_id == "lb-4f2a.91"


@pytest.mark.parametrize("sent", ["", "x" * 65, "evil\tid", "a b", "ü"])
def test_an_unusable_request_id_is_replaced_by_a_generated_one(client, db, sent, logged_calls):
    response = client.get("/api/v1/me", headers={"X-Request-ID": sent})

    generated = response.headers["X-Request-ID"]
    assert generated != sent and len(generated) == 32
    assert logged_calls().get().request_id == generated


JSON_LOG_PROBE = """
import django
django.setup()
from django.test import Client
response = Client().get("/api/v1/me", headers={"X-Request-ID": "probe-1"}, HTTP_HOST="127.0.0.1")
print(response.headers["X-Request-ID"])
"""


def test_with_log_format_json_every_line_is_a_json_object_and_the_refusal_names_its_request_id(transactional_db):
    # transactional_db: the probe process commits its Action-call row; the flush removes it for the next test.
    env = server_env(LOG_FORMAT="json")
    result = subprocess.run(
        [sys.executable, "-c", JSON_LOG_PROBE], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    refusal = [line for line in lines if line["logger"] == "django.request"]
    assert refusal and refusal[0]["request_id"] == "probe-1" and refusal[0]["level"] == "WARNING"
    assert {"time", "level", "logger", "message", "request_id"} <= set(refusal[0])


def test_metrics_answer_a_direct_loopback_scrape_with_requests_tokens_and_the_pool(client, db):
    client.get("/healthz")
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")

    assert response.status_code == 200
    text = response.content.decode()
    assert 'django_http_responses_total_by_status_view_method_total{method="GET",status="200",view="healthz"}' in text
    assert "# TYPE rolegate_tokens_issued_total counter" in text
    assert 'rolegate_db_pool_connections{state="in_use"}' in text


@pytest.mark.parametrize(
    ("remote_addr", "headers"),
    [
        ("203.0.113.9", {}),
        ("127.0.0.1", {"X-Forwarded-For": "203.0.113.9"}),
        ("203.0.113.9", {"Authorization": "Bearer wrong-token"}),
    ],
    ids=["other-address", "through-a-proxy", "wrong-token"],
)
@override_settings(ROLEGATE={**settings.ROLEGATE, "METRICS_TOKEN": "operators-only-token"})
def test_metrics_are_hidden_from_everyone_else(client, db, remote_addr, headers):
    assert client.get("/metrics", REMOTE_ADDR=remote_addr, headers=headers).status_code == 404


@override_settings(ROLEGATE={**settings.ROLEGATE, "METRICS_TOKEN": "operators-only-token"})
def test_metrics_answer_a_scraper_with_the_token_from_anywhere(client, db):
    response = client.get(
        "/metrics",
        REMOTE_ADDR="203.0.113.9",
        headers={"Authorization": "Bearer operators-only-token", "X-Forwarded-For": "198.51.100.1"},
    )
    assert response.status_code == 200


def test_tokens_issued_are_counted_by_grant_type(client, chatgpt):
    def issued(grant_type: str) -> float:
        text = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
        prefix = f'rolegate_tokens_issued_total{{grant_type="{grant_type}"}} '
        return next((float(line[len(prefix) :]) for line in text.splitlines() if line.startswith(prefix)), 0.0)

    before_code, before_refresh = issued("authorization_code"), issued("refresh_token")
    chatgpt.sign_in("alice")
    chatgpt.refresh()

    assert issued("authorization_code") == before_code + 1
    assert issued("refresh_token") == before_refresh + 1
