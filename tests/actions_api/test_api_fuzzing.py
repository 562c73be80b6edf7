"""
Fuzzing the Actions API from its own OpenAPI document (schemathesis).

Every operation that /api/schema/ lists is called with generated parameters, in process through
the WSGI application (no network at all), authenticated by a real access token of a demo user.
A bounded number of examples per operation keeps the run short. No response may be a 5xx, and
every response the schema documents must match it. Operations are discovered from the schema at
run time, so the test follows the schema as it evolves (new operations, operationIds, responses).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from accounts.models import User

# Django's WSGI app itself: portal.wsgi would also start the Action-call log's background flusher,
# whose writes (outside each test's transaction) would leak into the tests after this one.
application = get_wsgi_application()

MAX_EXAMPLES = 25
HYPOTHESIS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples every run: a failure is reproducible
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def in_process_requests():
    """As Django's test client does: keep the test's database connection open across requests."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def alice_token(demo, mint_token):
    """A real access token (the portal's own generator and key) for demo user alice."""
    return mint_token(User.objects.get(username="alice"))


@pytest.fixture
def api_operations(alice_token, rolegate, in_process_requests):
    # The fuzzer sends hundreds of requests as one user; rate limits are tested elsewhere.
    rolegate(API_RATE_PER_USER="100000/min", API_RATE_PER_CONNECTION="100000/min")
    # The token is harmless if the schema is public and needed if it is not.
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/", application, headers={"Authorization": f"Bearer {alice_token}"}
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert any(operation.path.startswith("/api/v1/") for operation in operations), "the schema lists no API"
    return operations


def fuzz(operation, *, headers: dict, checks: list) -> None:
    @given(case=operation.as_strategy())
    @HYPOTHESIS
    def run(case):
        case.call_and_validate(headers=headers, checks=checks)

    run()


def test_no_operation_answers_5xx_or_off_schema(api_operations, alice_token):
    for operation in api_operations:
        fuzz(
            operation,
            headers={"Authorization": f"Bearer {alice_token}"},
            checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
        )


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-jwt", "Basic YTpi"])
def test_no_operation_answers_5xx_to_a_caller_without_a_valid_token(api_operations, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    for operation in api_operations:
        fuzz(operation, headers=headers, checks=[not_a_server_error])
