"""The admin's "Action calls" log: what reached the API, for whom, and why it was refused; never the token."""

import time
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oauth2_provider.models import get_application_model

from actions_api.models import ActionCall

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_gpt(demo):
    return get_application_model().objects.get(client_id="demo-gpt")


def user(username):
    return get_user_model().objects.get(username=username)


def test_a_call_is_logged_with_user_connection_endpoint_status_and_rows(demo_gpt, mint_token, bearer):
    alice = user("alice")
    response = bearer(mint_token(alice, application=demo_gpt)).get("/api/v1/customers?page_size=3")
    assert response.status_code == 200

    call = ActionCall.objects.get()
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
    demo_gpt, mint_token, bearer, username, overrides, status, error, reason
):
    token = mint_token(user(username), application=demo_gpt, **overrides)
    assert bearer(token).get("/api/v1/orders").status_code == status

    call = ActionCall.objects.get()
    assert (call.status, call.error) == (status, error)
    assert reason in call.reason
    stored = " ".join(str(value) for value in ActionCall.objects.values().get().values())
    assert token not in stored and token.split(".")[2] not in stored


def test_a_call_without_a_token_is_logged_as_anonymous_with_the_fix(api_client):
    assert api_client.get("/api/v1/me").status_code == 401
    call = ActionCall.objects.get()
    assert call.username == call.client_id == "" and "Authorization: Bearer" in call.reason


def test_logging_adds_one_insert_and_no_lookup_to_an_authenticated_call(demo_gpt, mint_token, bearer):
    client = bearer(mint_token(user("alice"), application=demo_gpt))
    client.get("/api/v1/me")  # loads the signing keys into the process once
    with CaptureQueriesContext(db_connection) as queries:
        assert client.get("/api/v1/me").status_code == 200
    assert [query["sql"].split()[0] for query in queries.captured_queries] == ["INSERT"]


def test_schema_and_docs_are_not_logged_as_action_calls(client):
    client.get("/api/schema/")
    assert not ActionCall.objects.exists()


def test_the_action_calls_admin_is_read_only_and_names_the_connection(demo_gpt, admin_client, mint_token, bearer):
    bearer(mint_token(user("alice"), application=demo_gpt)).get("/api/v1/me")
    call = ActionCall.objects.get()

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
