"""Invitations: by admin (one or a CSV), by command; single-use, expiring, resend and cancel."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from accounts.invitations.models import Invitation
from accounts.mfa.models import MfaPolicy
from accounts.models import User
from roles.claims import effective_claims
from roles.models import Role, Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(demo):
    admin = Client()
    admin.force_login(User.objects.get(username="admin"))
    return admin


def link_in(message) -> str:
    return "/" + re.search(r"https?://[^/\s]+/(accounts/invitations/\S+/)", message.body).group(1)


def accept(link: str, username: str = "frank", password: str = "Frank's long passphrase 42") -> Client:
    browser = Client()
    response = browser.post(link, {"username": username, "password1": password, "password2": password})
    assert response.status_code == 302, response.content.decode()[:2000]
    return browser


def test_an_invited_user_sets_a_password_and_holds_the_preset_roles_and_teams(admin_client):
    team = Team.objects.create(slug="emea-office", name="EMEA office")
    response = admin_client.post(
        "/admin/accounts/invitation/add/",
        {
            "email": "frank@example.test",
            "roles": [Role.objects.get(slug="sales-emea").pk],
            "teams": [team.pk],
        },
    )
    assert response.status_code == 302
    message = mail.outbox[0]
    assert message.to == ["frank@example.test"] and message.alternatives[0][1] == "text/html"

    accept(link_in(message))

    frank = User.objects.get(username="frank")
    assert frank.email == "frank@example.test" and frank.check_password("Frank's long passphrase 42")
    assert effective_claims(user=frank).roles == ("sales-emea",)
    assert list(frank.teams.all()) == [team]
    assert Client().get(link_in(message)).status_code == 404  # single use


def test_the_password_must_pass_djangos_validators(admin_client):
    admin_client.post("/admin/accounts/invitation/add/", {"email": "grace@example.test"})
    response = Client().post(
        link_in(mail.outbox[0]), {"username": "grace", "password1": "grace123", "password2": "grace123"}
    )
    assert response.status_code == 400
    assert not User.objects.filter(username="grace").exists()


def test_resending_replaces_the_link_and_cancelling_kills_it(admin_client):
    admin_client.post("/admin/accounts/invitation/add/", {"email": "heidi@example.test"})
    invitation = Invitation.objects.get(email="heidi@example.test")
    first = link_in(mail.outbox[0])
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=invitation.sent_at.replace(year=2020))

    admin_client.post("/admin/accounts/invitation/", {"action": "resend", "_selected_action": [invitation.pk]})
    second = link_in(mail.outbox[1])
    assert Client().get(first).status_code == 404
    assert Client().get(second).status_code == 200

    admin_client.post("/admin/accounts/invitation/", {"action": "cancel", "_selected_action": [invitation.pk]})
    assert Client().get(second).status_code == 404


def test_an_expired_link_is_refused(admin_client, settings):
    admin_client.post("/admin/accounts/invitation/add/", {"email": "ivan@example.test"})
    settings.INVITATION_TIMEOUT_SECONDS = -1
    assert Client().get(link_in(mail.outbox[0])).status_code == 404


def test_an_admin_invites_many_from_a_csv_and_sees_which_rows_were_refused(admin_client):
    alice = User.objects.get(username="alice").email
    rows = f"email,roles,teams\njudy@example.test,sales-emea;finance,\n{alice},,\nkim@example.test,nope,\n"

    response = admin_client.post(
        "/admin/accounts/invitation/csv/", {"file": SimpleUploadedFile("people.csv", rows.encode())}, follow=True
    )

    assert [message.to for message in mail.outbox] == [["judy@example.test"]]
    assert set(Invitation.objects.get(email="judy@example.test").roles.values_list("slug", flat=True)) == {
        "sales-emea",
        "finance",
    }
    text = response.content.decode()
    assert "already has an account" in text and "No role nope" in text


def test_invite_user_prints_the_link_when_email_is_not_configured(demo, capsys, settings):
    settings.EMAIL_CONFIGURED = False
    call_command("invite_user", "leo@example.test", "--role", "hr")

    out = capsys.readouterr().out
    assert "Email is not configured" in out
    link = "/" + re.search(r"https?://[^/\s]+/(accounts/invitations/\S+/)", out).group(1)
    accept(link, username="leo")
    assert effective_claims(user=User.objects.get(username="leo")).roles == ("hr",)


def test_an_invitee_whom_the_policy_requires_mfa_is_sent_to_enrol_right_after(demo):
    MfaPolicy.objects.update_or_create(pk=1, defaults={"everyone": True})
    call_command("invite_user", "mia@example.test")
    browser = accept(link_in(mail.outbox[0]), username="mia")
    assert browser.get("/accounts/apps/").headers["Location"].startswith("/accounts/mfa/?next=")
