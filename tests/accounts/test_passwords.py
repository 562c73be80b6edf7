"""Password reset and change: no enumeration, single-use links, everything ended after a reset."""

import re
import time

import pytest
from django.core import mail
from django.test import Client
from oauth2_provider.models import get_refresh_token_model

from accounts.models import User
from roles.models import AccessRevocation

pytestmark = pytest.mark.django_db


def wait_for_outbox(count: int) -> list:
    """Reset emails leave in a background thread (see accounts.email): wait until they are out."""
    for _ in range(200):
        if len(mail.outbox) >= count:
            return mail.outbox
        time.sleep(0.02)
    raise AssertionError(f"expected {count} email(s), got {len(mail.outbox)}")


def reset_link(message) -> str:
    return re.search(r"https?://\S+/accounts/password/reset/\S+/", message.body).group(0)


def test_the_answer_for_an_unknown_address_is_the_answer_for_a_known_one(demo):
    User.objects.filter(username="bob").update(email="bob@example.test")
    known = Client().post("/accounts/password/reset/", {"email": "bob@example.test"}, follow=True)
    unknown = Client().post("/accounts/password/reset/", {"email": "nobody@example.test"}, follow=True)

    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    assert known.content == unknown.content
    assert len(wait_for_outbox(1)) == 1 and mail.outbox[0].to == ["bob@example.test"]


def test_a_reset_link_sets_a_new_password_once_and_ends_every_session_and_token(
    demo, django_capture_on_commit_callbacks
):
    bob = User.objects.get(username="bob")
    User.objects.filter(pk=bob.pk).update(email="bob@example.test")
    signed_in = Client()
    signed_in.post("/accounts/login/", {"username": "bob", "password": "rolegate-demo"})
    Client().post("/accounts/password/reset/", {"email": "bob@example.test"})
    message = wait_for_outbox(1)[0]
    assert message.alternatives[0][1] == "text/html"
    link = reset_link(message).split("://", 1)[1].split("/", 1)[1]

    browser = Client()
    form = browser.get(f"/{link}", follow=True)
    assert form.context["validlink"]
    weak = browser.post(form.wsgi_request.path, {"new_password1": "12345678", "new_password2": "12345678"})
    assert "too common" in weak.content.decode() or "entirely numeric" in weak.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = browser.post(
            form.wsgi_request.path,
            {"new_password1": "A fresh long passphrase 7", "new_password2": "A fresh long passphrase 7"},
        )
    assert done.status_code == 302

    assert signed_in.get("/accounts/apps/").status_code == 302  # signed out
    assert AccessRevocation.objects.filter(user=bob).exists()
    assert not get_refresh_token_model().objects.filter(user=bob, revoked__isnull=True).exists()
    again = Client().get(f"/{link}", follow=True)
    assert not again.context["validlink"]  # single use
    new_sign_in = Client().post("/accounts/login/", {"username": "bob", "password": "A fresh long passphrase 7"})
    assert new_sign_in.status_code == 302


def test_a_password_change_keeps_this_session_and_signs_out_the_others(demo):
    here, elsewhere = Client(), Client()
    for client in (here, elsewhere):
        client.post("/accounts/login/", {"username": "erin", "password": "rolegate-demo"})

    response = here.post(
        "/accounts/password/change/",
        {
            "old_password": "rolegate-demo",
            "new_password1": "Another long passphrase 9",
            "new_password2": "Another long passphrase 9",
        },
    )

    assert response.status_code == 302
    assert here.get("/accounts/apps/").status_code == 200
    assert elsewhere.get("/accounts/apps/").status_code == 302
    assert here.get("/accounts/devices/").context["devices"].count() == 1
