"""The staff dashboard: a first-run checklist that ticks itself, and charts from a fixed number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actions_api.models import ActionCall
from actions_api.staff import selectors
from roles.audit.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard")


@pytest.fixture
def admin_client(client):
    """A superuser of its own (the demo's `admin` gets a new password when seeded, ending its session)."""
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def log_calls(count: int, *, status=200, error="", client_id="demo-gpt", endpoint="/api/v1/orders", hours_ago=0):
    at = timezone.now() - dt.timedelta(hours=hours_ago)
    ActionCall.objects.bulk_create(
        ActionCall(
            at=at,
            method="GET",
            endpoint=endpoint,
            status=status,
            error=error,
            client_id=client_id,
            username="alice",
            duration_ms=3,
        )
        for _ in range(count)
    )


def test_the_dashboard_is_for_staff_only(client):
    assert client.get(DASHBOARD).status_code == 302
    client.force_login(UserFactory())
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_on_an_empty_deployment_no_step_of_the_checklist_is_ticked(admin_client):
    response = admin_client.get(DASHBOARD)

    assert response.status_code == 200
    steps = {step.title: step.done for step in response.context["checklist"]}
    assert steps == {
        "People who can sign in": False,
        "A role that grants data, given to someone": False,
        "A GPT connection": False,
        "A first \u201cwho am I?\u201d call": False,
    }
    assert "No GPT has called the API yet." in response.content.decode()


def test_each_step_is_ticked_once_done(demo, admin_client):
    assert [step.done for step in selectors.setup_checklist()] == [True, True, True, False]

    log_calls(1, endpoint=selectors.WHO_AM_I_ENDPOINT, status=403)
    assert selectors.setup_checklist()[-1].done is False  # a refused call proves nothing yet
    log_calls(1, endpoint=selectors.WHO_AM_I_ENDPOINT)
    assert all(step.done for step in admin_client.get(DASHBOARD).context["checklist"])


def test_the_charts_count_calls_by_hour_and_status_refusals_by_reason_and_top_connections(demo, admin_client):
    log_calls(5)
    log_calls(2, status=403, error="insufficient_permission", hours_ago=3)
    log_calls(1, status=401, error="invalid_token", client_id="")
    log_calls(1, status=500, hours_ago=30)  # outside the last 24 hours, inside the last 14 days
    # and the admin's own sign-in, recorded when the test client signed in
    AuditEvent.objects.create(actor_label="alice", action=AuditEvent.Action.SIGN_IN, target_type="accounts.user")

    context = admin_client.get(DASHBOARD).context

    calls = context["calls"]
    assert calls.total == 8 and calls.peak == 6 and len(calls.columns) == 24
    latest = {segment.css: segment.value for segment in calls.columns[-1].segments}
    assert latest == {"ok": 5, "refused": 1}
    assert [(bar.label, bar.value) for bar in context["refusals"].bars] == [
        ("403 insufficient_permission", 2),
        ("401 invalid_token", 1),
    ]
    assert [(bar.label, bar.value) for bar in context["connections"].bars] == [("Demo GPT (2 refused)", 8)]
    assert context["sign_ins"].total == 2 and len(context["sign_ins"].columns) == 14


def dashboard_queries(admin_client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert admin_client.get(DASHBOARD).status_code == 200
    return len(queries.captured_queries)


def test_the_dashboard_runs_the_same_few_queries_however_many_calls_are_logged(demo, admin_client):
    log_calls(3)
    few = dashboard_queries(admin_client)
    for hours_ago in range(0, 24 * 14, 7):
        log_calls(
            40, status=200 if hours_ago % 2 else 403, error="", client_id=f"client-{hours_ago % 9}", hours_ago=hours_ago
        )

    many = dashboard_queries(admin_client)

    assert many == few
    # session and user, the two-step sign-in gate, the checklist, the aggregates and connection names
    assert many <= 13


def test_every_aggregate_over_the_call_log_reads_its_time_index_never_the_whole_table(demo, admin_client):
    with connection.cursor() as cursor:  # a day of calls, one every second, and fresh statistics
        cursor.execute(
            "INSERT INTO actions_api_actioncall (at, method, endpoint, status, subject, username, client_id, error,"
            " reason, duration_ms, request_id) SELECT now() - (n || ' seconds')::interval - interval '15 days', 'GET',"
            " '/api/v1/orders', 200, '', '', 'demo-gpt', '', '', 1, '' FROM generate_series(1, 86400) AS n"
        )
        cursor.execute("ANALYZE actions_api_actioncall")
    log_calls(50)
    with CaptureQueriesContext(connection) as queries:
        admin_client.get(DASHBOARD)
    aggregates = [
        query["sql"]
        for query in queries.captured_queries
        if 'FROM "actions_api_actioncall"' in query["sql"] and "COUNT" in query["sql"]
    ]

    assert len(aggregates) == 3
    for sql in aggregates:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "Seq Scan on actions_api_actioncall" not in plan, plan
        assert "Index" in plan, plan
