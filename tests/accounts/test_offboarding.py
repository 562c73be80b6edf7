"""Offboarding and erasure: an admin deletes a user who held tokens; a user ends their own sessions."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from oauth2_provider.models import get_access_token_model, get_grant_model, get_refresh_token_model

from accounts.devices.models import DeviceSession
from accounts.models import User
from actions_api.revocation_list import revocations
from roles.audit.models import AuditEvent
from roles.audit.services import ERASED, erased_person_label
from tests.chatgpt import form_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(demo):
    admin = Client()
    admin.force_login(User.objects.get(username="admin"))
    return admin


def sign_in_through_chatgpt(client, username: str) -> None:
    """The GPT flow in process: sign-in page, consent, a code, the token endpoint."""
    authorize = "/o/authorize/?response_type=code&client_id=demo-gpt&redirect_uri=https://chatgpt.com/aip/g-1/oauth/callback&state=s"
    client.post(f"/accounts/login/?next={authorize}", {"username": username, "password": "rolegate-demo"})
    page = client.get(authorize)
    response = client.post(authorize, {**form_fields(page.content.decode()), "allow": "Authorize"})
    code = response.headers["Location"].split("code=")[1].split("&")[0]
    tokens = client.post(
        "/o/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "https://chatgpt.com/aip/g-1/oauth/callback",
            "client_id": "demo-gpt",
            "client_secret": "demo-gpt-secret",
        },
    )
    assert tokens.status_code == 200, tokens.content
    return tokens.json()


def test_an_admin_can_delete_a_user_who_signed_in_through_a_gpt(
    demo, client, admin_client, django_capture_on_commit_callbacks
):
    alice = User.objects.get(username="alice")
    sign_in_through_chatgpt(client, "alice")
    assert get_refresh_token_model().objects.filter(user=alice).exists()

    page = admin_client.get(reverse("admin:accounts_user_delete", args=[alice.pk]))
    assert page.status_code == 200
    assert not page.context["perms_lacking"]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:accounts_user_delete", args=[alice.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=alice.pk).exists()
    for model in (get_access_token_model(), get_refresh_token_model(), get_grant_model()):
        assert not model.objects.filter(user_id=alice.pk).exists()
    assert not DeviceSession.objects.filter(user_id=alice.pk).exists()
    assert client.get("/accounts/apps/").status_code == 302  # her browser session ended too


def test_the_audit_log_keeps_a_deleted_users_events_under_their_id_without_personal_data(demo, client, admin_client):
    alice = User.objects.get(username="alice")
    sign_in_through_chatgpt(client, "alice")
    client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    events_before = AuditEvent.objects.count()

    admin_client.post(reverse("admin:accounts_user_delete", args=[alice.pk]), {"post": "yes"})

    assert AuditEvent.objects.count() > events_before  # nothing was dropped; the deletion was added
    theirs = AuditEvent.objects.filter(target_type="accounts.user", target_id=str(alice.pk))
    assert theirs.filter(action=AuditEvent.Action.SIGN_IN).exists()
    assert theirs.filter(action=AuditEvent.Action.SIGN_IN_FAILED).exists()
    assert theirs.filter(action=AuditEvent.Action.DELETED).get().changes["email"] == [ERASED, None]
    as_text = str(list(AuditEvent.objects.values_list("actor_label", "target_label", "changes", "details")))
    assert "alice" not in as_text and "127.0.0.1" not in as_text, [
        line for line in as_text.split("), (") if "alice" in line or "127.0" in line
    ]
    assert AuditEvent.objects.filter(actor_label=erased_person_label(alice.pk)).exists()


def test_a_deleted_users_outstanding_access_token_is_refused(
    demo, client, admin_client, bearer, django_capture_on_commit_callbacks
):
    alice = User.objects.get(username="alice")
    access_token = sign_in_through_chatgpt(client, "alice")["access_token"]
    assert bearer(access_token).get("/api/v1/me").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("admin:accounts_user_delete", args=[alice.pk]), {"post": "yes"})
    revocations.reload()

    assert bearer(access_token).get("/api/v1/me").status_code == 401


def test_a_user_sees_their_devices_and_signs_one_out(demo, client, django_user_model):
    phone, laptop = client, type(client)(HTTP_USER_AGENT="Laptop browser")
    phone.post("/accounts/login/", {"username": "bob", "password": "rolegate-demo"}, HTTP_USER_AGENT="Phone browser")
    laptop.post("/accounts/login/", {"username": "bob", "password": "rolegate-demo"})

    page = phone.get(reverse("device-sessions"))
    assert b"Phone browser" in page.content and b"Laptop browser" in page.content
    laptop_device = DeviceSession.objects.get(user__username="bob", user_agent="Laptop browser")
    phone.post(reverse("device-session-end", args=[laptop_device.pk]))

    assert laptop.get(reverse("connections")).status_code == 302  # signed out
    assert phone.get(reverse("connections")).status_code == 200
    assert not Session.objects.filter(session_key=laptop_device.session_key).exists()


def test_a_user_cannot_end_another_users_session(demo, client):
    other = type(client)()
    other.post("/accounts/login/", {"username": "carol", "password": "rolegate-demo"})
    client.post("/accounts/login/", {"username": "bob", "password": "rolegate-demo"})
    carols = DeviceSession.objects.get(user__username="carol")

    client.post(reverse("device-session-end", args=[carols.pk]))

    assert other.get(reverse("connections")).status_code == 200
