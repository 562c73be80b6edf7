"""The admin's "Action calls" log: what reached the API, for whom, and why it was refused; never the token."""

import time
from io import StringIO

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oauth2_provider.models import get_application_model

from actions_api.call_log import action_calls
from actions_api.models import ActionCall

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_gpt(demo):
    return get_application_model().objects.get(client_id="demo-gpt")


def user(username):
    return get_user_model().objects.get(username=username)


def test_a_call_is_logged_with_user_connection_endpoint_status_and_rows(demo_gpt, mint_token, bearer, logged_calls):
    alice = user("alice")
    response = bearer(mint_token(alice, connection=demo_gpt)).get("/api/v1/customers?page_size=3")
    assert response.status_code == 200

    call = logged_calls().get()
    assert (call.method, call.endpoint, call.status, call.rows) == ("GET", "/api/v1/customers", 200, 3)
    assert (call.username, call.subject, call.client_id) == ("alice", str(alice.pk), "demo-gpt")
    assert call.reason == "" and call.error == ""


@pytest.mark.parametrize(
    ("username", "overrides", "status", "error", "reason"),
    [
        ("alice", {"exp": int(time.time()) - 3600}, 401, "invalid_token", "expired"),
        ("alice", {"aud": "https://other.example/api"}, 401, "invalid_token", "another audience"),
        ("dave", {}, 403, "insufficient_permission", "'orders.read'"),
    ],
)
def test_a_refused_call_is_logged_with_its_reason_and_never_the_token(
    demo_gpt, mint_token, bearer, logged_calls, username, overrides, status, error, reason
):
    token = mint_token(user(username), connection=demo_gpt, **overrides)
    assert bearer(token).get("/api/v1/orders").status_code == status

    call = logged_calls().get()
    assert (call.status, call.error) == (status, error)
    assert reason in call.reason
    stored = " ".join(str(value) for value in ActionCall.objects.values().get().values())
    assert token not in stored and token.split(".")[2] not in stored


def test_a_call_without_a_token_is_logged_as_anonymous_with_the_fix(api_client, logged_calls):
    assert api_client.get("/api/v1/me").status_code == 401
    call = logged_calls().get()
    assert call.username == call.client_id == "" and "Authorization: Bearer" in call.reason


def test_a_call_is_recorded_without_any_query_and_a_flush_writes_every_call_in_one_copy(
    demo_gpt, mint_token, bearer, logged_calls, monkeypatch
):
    client = bearer(mint_token(user("alice"), connection=demo_gpt))
    client.get("/api/v1/me")  # loads the signing keys into the process once
    action_calls.flush()
    with CaptureQueriesContext(db_connection) as queries:
        statuses = [client.get(path).status_code for path in ("/api/v1/me", "/api/v1/orders", "/api/v1/nothing")]
    # Only the page's own reads (count and rows of the orders list): nothing for the log.
    assert all(query["sql"].startswith("SELECT") for query in queries.captured_queries)

    copies = []
    copy = psycopg.Cursor.copy
    monkeypatch.setattr(
        psycopg.Cursor, "copy", lambda cursor, statement: copies.append(statement) or copy(cursor, statement)
    )
    with CaptureQueriesContext(db_connection) as queries:
        assert action_calls.flush() == 3
    # COPY goes to psycopg directly (Django records no statement); nothing else is sent.
    assert {query["sql"].split()[0] for query in queries.captured_queries} <= {"SAVEPOINT", "RELEASE"}
    assert len(copies) == 1 and copies[0].startswith("COPY actions_api_actioncall (")
    logged = logged_calls().order_by("id")
    assert [(call.endpoint, call.status) for call in logged][1:] == list(  # after the warm-up call
        zip(["/api/v1/me", "/api/v1/orders", "/api/v1/nothing"], statuses, strict=True)
    )


def test_the_request_that_fills_the_buffer_writes_it_so_memory_stays_bounded(demo_gpt, mint_token, bearer, rolegate):
    rolegate(ACTION_CALL_BUFFER_SIZE=3)
    client = bearer(mint_token(user("alice"), connection=demo_gpt))
    for _ in range(2):
        client.get("/api/v1/me")
    assert not ActionCall.objects.exists() and action_calls.pending() == 2

    client.get("/api/v1/me")

    assert ActionCall.objects.count() == 3 and action_calls.pending() == 0


def test_a_call_the_database_refuses_is_dropped_without_holding_back_the_others(db, caplog):
    good = {
        "at": timezone.now(),
        "method": "GET",
        "endpoint": "/api/v1/me",
        "status": 200,
        "subject": "1",
        "username": "alice",
        "client_id": "demo-gpt",
        "rows": 1,
        "error": "",
        "reason": "",
        "duration_ms": 2,
        "request_id": "r1",
    }
    action_calls.add(good)
    action_calls.add({**good, "duration_ms": -1, "request_id": "r2"})  # violates the column's CHECK
    action_calls.add({**good, "request_id": "r3"})

    assert action_calls.flush() == 2

    assert sorted(ActionCall.objects.values_list("request_id", flat=True)) == ["r1", "r3"]
    assert action_calls.pending() == 0 and "Dropped an Action call" in caplog.text


def test_schema_and_docs_are_not_logged_as_action_calls(client, logged_calls):
    client.get("/api/schema/")
    assert not logged_calls().exists()


def test_the_action_calls_admin_is_read_only_and_names_the_connection(
    demo_gpt, admin_client, mint_token, bearer, logged_calls
):
    bearer(mint_token(user("alice"), connection=demo_gpt)).get("/api/v1/me")
    call = logged_calls().get()

    changelist = admin_client.get("/admin/actions_api/actioncall/?client_id=demo-gpt")
    assert changelist.status_code == 200 and "Demo GPT" in changelist.content.decode()
    assert admin_client.get("/admin/actions_api/actioncall/add/").status_code == 403
    assert admin_client.post(f"/admin/actions_api/actioncall/{call.pk}/change/", {"status": 500}).status_code == 403
    assert admin_client.get(f"/admin/actions_api/actioncall/{call.pk}/delete/").status_code == 403


def test_prune_action_calls_deletes_only_calls_older_than_the_retention(db):
    old = ActionCall.objects.create(
        method="GET", endpoint="/api/v1/me", status=200, duration_ms=1, at=timezone.now() - timezone.timedelta(days=31)
    )
    recent = ActionCall.objects.create(method="GET", endpoint="/api/v1/me", status=200, duration_ms=1)
    out = StringIO()
    call_command("prune_action_calls", "--days", "30", stdout=out)
    assert list(ActionCall.objects.all()) == [recent] and "Deleted 1" in out.getvalue()
    assert not ActionCall.objects.filter(pk=old.pk).exists()
