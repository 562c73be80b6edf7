"""Rate limits, size limits and error bodies of the Actions API (ASVS V4/V13, RFC 6585)."""

from __future__ import annotations

import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.conf import settings as django_settings
from django.test import Client

from accounts.middleware import TOO_LARGE
from tests.actions_api.urls_with_failure import SECRET
from tests.factories import ConnectionFactory, UserFactory

ME = "/api/v1/me"


@pytest.fixture
def users(db):
    return UserFactory(username="first"), UserFactory(username="second")


def assert_throttled(response) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 429 and body["error"] == "throttled"
    assert re.search(r"available in \d+ seconds?\.", body["detail"])  # "1 second." in a window's last second


def assert_problem(response, status: int) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert "Traceback" not in response.content.decode() and SECRET not in response.content.decode()


# ---------------------------------------------------------------- throttling


def test_a_user_over_their_rate_gets_429_with_retry_after(rolegate, users, mint_token, bearer):
    rolegate(API_RATE_PER_USER="3/min")
    first, second = users
    client = bearer(mint_token(first))
    assert [client.get(ME).status_code for _ in range(3)] == [200, 200, 200]

    assert_throttled(client.get(ME))
    # Another user of the same connection has their own budget.
    assert bearer(mint_token(second)).get(ME).status_code == 200


def test_the_user_budget_follows_the_user_across_connections(rolegate, users, mint_token, bearer):
    rolegate(API_RATE_PER_USER="2/min")
    first, _ = users
    other_connection = ConnectionFactory()
    bearer(mint_token(first)).get(ME)
    bearer(mint_token(first)).get(ME)

    assert_throttled(bearer(mint_token(first, connection=other_connection)).get(ME))


def test_a_connection_over_its_rate_gets_429_whoever_calls(rolegate, users, mint_token, bearer):
    rolegate(API_RATE_PER_CONNECTION="3/min")
    first, second = users
    for _ in range(3):
        assert bearer(mint_token(first)).get(ME).status_code == 200

    assert_throttled(bearer(mint_token(second)).get(ME))
    # Another connection is not affected.
    assert bearer(mint_token(second, connection=ConnectionFactory())).get(ME).status_code == 200


def test_concurrent_calls_from_many_threads_get_exactly_the_budget(rolegate, transactional_db, live_server, mint_token):
    rolegate(API_RATE_PER_USER="7/min")
    token = mint_token(UserFactory(username="eager"))

    def call(_: int) -> int:
        return requests.get(
            f"{live_server.url}{ME}", headers={"Authorization": f"Bearer {token}"}, timeout=30
        ).status_code

    with ThreadPoolExecutor(max_workers=8) as threads:
        statuses = Counter(threads.map(call, range(24)))

    # Both budgets are counted atomically in the shared cache: no two concurrent calls read the same count.
    assert statuses == {200: 7, 429: 17}


def test_throttling_counts_only_verified_tokens(rolegate, users, api_client):
    rolegate(API_RATE_PER_USER="1/min", API_RATE_PER_CONNECTION="1/min")
    api_client.credentials(HTTP_AUTHORIZATION="Bearer forged")
    # Refused as 401 every time: a forged token neither consumes nor is granted a budget.
    assert {api_client.get(ME).status_code for _ in range(3)} == {401}


# ---------------------------------------------------------------- size limits


def test_an_oversized_token_request_is_refused_not_parsed(live_demo):
    body = {"grant_type": "authorization_code", "code": "x" * (django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    response = requests.post(f"{live_demo.url}/o/token/", data=body)
    # Refused by Django before DOT reads the form (which would answer invalid_grant), as an OAuth error still.
    assert response.status_code == 400 and response.headers["Content-Type"] == "application/json"
    assert response.json() == {"error": "invalid_request", "error_description": TOO_LARGE}


def test_the_upload_limit_is_small():
    # ChatGPT's requests stay under 100 kB; Django's default would accept 2.5 MB.
    assert django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 256 * 1024


def test_an_oversized_body_to_the_api_is_a_problem_document(users, mint_token, bearer):
    response = bearer(mint_token(users[0])).post(
        ME, data="[" + "1," * (django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 2) + "1]", content_type="application/json"
    )
    assert_problem(response, 400)  # refused while reading it, before the view could answer 405
    assert "too large" in response.json()["detail"]


# ---------------------------------------------------------------- security headers


@pytest.mark.parametrize("authenticated", [True, False])
def test_api_responses_carry_a_content_security_policy_that_allows_nothing(users, mint_token, bearer, authenticated):
    client = bearer(mint_token(users[0])) if authenticated else Client()
    response = client.get(ME)
    assert response.status_code == (200 if authenticated else 401)
    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert response["X-Content-Type-Options"] == "nosniff" and response["X-Frame-Options"] == "DENY"


# ---------------------------------------------------------------- error bodies


@pytest.mark.parametrize("path", ["/api/v2/anything", "/api/v1/orders/1/extra", "/api/v1/nope", "/api/"])
def test_an_unknown_api_url_is_a_problem_document(client, db, path):
    assert not django_settings.DEBUG
    assert_problem(client.get(path), 404)


def test_an_unknown_page_outside_the_api_stays_html(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


@pytest.mark.urls("tests.actions_api.urls_with_failure")
@pytest.mark.parametrize("path", ["/api/v1/plain-failure", "/api/v1/api-failure"])
def test_an_unexpected_failure_under_the_api_is_a_problem_document_without_a_traceback(db, path):
    response = Client(raise_request_exception=False).get(path)
    assert_problem(response, 500)


@pytest.mark.urls("tests.actions_api.urls_with_failure")
def test_an_unexpected_failure_at_an_oauth_or_scim_endpoint_is_that_protocols_error_without_a_traceback(db):
    oauth = Client(raise_request_exception=False).post("/o/failure")
    scim = Client(raise_request_exception=False).get("/scim/v2/failure")

    assert oauth.status_code == 500 and oauth["Content-Type"] == "application/json"
    assert oauth.json()["error"] == "server_error"
    assert scim.status_code == 500 and scim["Content-Type"] == "application/scim+json"
    assert scim.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"] and scim.json()["status"] == "500"
    for response in (oauth, scim):
        assert SECRET not in response.content.decode() and "Traceback" not in response.content.decode()


def test_a_malformed_request_to_an_oauth_or_scim_endpoint_is_that_protocols_error(client, db):
    # A Host header not in ALLOWED_HOSTS is refused by Django before any view: handler400 answers.
    oauth = client.post("/o/token/", {"grant_type": "client_credentials"}, HTTP_HOST="evil.example")
    scim = client.get("/scim/v2/Users", HTTP_HOST="evil.example")

    authorize = client.get("/o/authorize/", {"client_id": "demo-gpt"}, HTTP_HOST="evil.example")

    assert oauth.status_code == 400 and oauth.json()["error"] == "invalid_request"
    assert authorize.status_code == 400 and authorize["Content-Type"].startswith("text/html")  # a person's page
    assert scim.status_code == 400 and scim["Content-Type"] == "application/scim+json"
    assert scim.json()["status"] == "400" and "evil.example" not in scim.content.decode()


@pytest.mark.urls("tests.actions_api.urls_with_failure")
def test_an_unexpected_failure_outside_the_api_shows_no_traceback(db):
    response = Client(raise_request_exception=False).get("/accounts/failure")
    assert response.status_code == 500
    assert SECRET not in response.content.decode() and "Traceback" not in response.content.decode()


def test_a_malformed_request_under_the_api_is_a_problem_document(client, db):
    # A Host header not in ALLOWED_HOSTS is a SuspiciousOperation: Django answers with handler400.
    assert_problem(client.get(ME, HTTP_HOST="evil.example"), 400)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writes_to_the_read_only_api_are_problem_documents(users, mint_token, bearer, method):
    response = getattr(bearer(mint_token(users[0])), method)(ME, data={}, format="json")
    assert_problem(response, 405)
