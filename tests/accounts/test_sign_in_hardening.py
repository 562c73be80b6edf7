"""The sign-in page against guessing, fixation, forgery, framing and enumeration (ASVS V6/V7/V3)."""

from __future__ import annotations

import pytest
import requests
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher, PBKDF2PasswordHasher, get_hasher
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse

from accounts.hashers import PasswordHasher
from portal import settings as production_settings
from roles.conf import rolegate_settings
from tests.chatgpt import ChatGPT, form_fields
from tests.factories import UserFactory

PASSWORD = "correct horse battery"
LOGIN = reverse("login")


@pytest.fixture
def victim(db):
    return UserFactory(username="victim")


@pytest.fixture
def bystander(db):
    return UserFactory(username="bystander")


def sign_in(client: Client, username: str, password: str, *, ip: str = "198.51.100.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def fail(times: int, *, usernames, ips) -> None:
    """Fails `times` sign-ins; the one that reaches the limit is already answered with the lock."""
    client = Client()
    for attempt in range(times):
        response = sign_in(client, usernames[attempt % len(usernames)], "wrong", ip=ips[attempt % len(ips)])
        assert response.status_code == (429 if attempt + 1 >= settings.AXES_FAILURE_LIMIT else 200)


def assert_locked_out(response) -> None:
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session


# ---------------------------------------------------------------- lockout


def test_failures_lock_a_username_only_at_the_address_they_came_from(victim, bystander):
    fail(settings.AXES_FAILURE_LIMIT, usernames=["victim"], ips=["203.0.113.5"])

    # Even the right password is refused at that address while the lock lasts ...
    assert_locked_out(sign_in(Client(), "victim", PASSWORD, ip="203.0.113.5"))
    # ... but the user signs in from anywhere else, and other accounts at that address are unaffected.
    assert sign_in(Client(), "victim", PASSWORD, ip="192.0.2.99").status_code == 302
    assert sign_in(Client(), "bystander", PASSWORD, ip="203.0.113.5").status_code == 302


def test_guesses_from_many_addresses_cannot_lock_a_user_out(victim):
    """The review's denial of service: five wrong passwords used to lock any known username everywhere."""
    for n in range(settings.AXES_FAILURE_LIMIT * 3):
        assert sign_in(Client(), "victim", "wrong", ip=f"203.0.113.{n + 1}").status_code == 200

    assert sign_in(Client(), "victim", PASSWORD, ip="192.0.2.99").status_code == 302


def fail_at_address(times: int, ip: str) -> None:
    for attempt in range(times):
        sign_in(Client(), f"guess{attempt}", "wrong", ip=ip)


@pytest.fixture
def address_limit(rolegate):
    """A small address-wide limit, so a test need not fail a hundred times."""
    rolegate(LOGIN_ADDRESS_FAILURE_LIMIT=8)
    return rolegate_settings.LOGIN_ADDRESS_FAILURE_LIMIT


def test_an_address_is_locked_after_the_address_limit_of_failures_for_any_account(victim, bystander, address_limit):
    fail_at_address(address_limit - 1, "203.0.113.7")
    assert sign_in(Client(), "bystander", PASSWORD, ip="203.0.113.7").status_code == 302

    fail_at_address(1, "203.0.113.7")
    assert_locked_out(sign_in(Client(), "bystander", PASSWORD, ip="203.0.113.7"))
    # The same account from another address still signs in.
    assert sign_in(Client(), "bystander", PASSWORD, ip="192.0.2.8").status_code == 302


def test_the_address_limit_stays_far_above_the_username_limit():
    assert production_settings.ROLEGATE["LOGIN_ADDRESS_FAILURE_LIMIT"] >= 10 * production_settings.AXES_FAILURE_LIMIT


def test_a_correct_password_at_a_locked_address_is_never_counted_as_a_failure(victim, bystander, address_limit):
    from axes.models import AccessAttempt

    fail_at_address(address_limit, "203.0.113.40")
    fail(settings.AXES_FAILURE_LIMIT, usernames=["victim"], ips=["198.51.100.40"])
    recorded = ("username", "ip_address", "failures_since_start")
    failures_before = sorted(AccessAttempt.objects.values_list(*recorded))

    for _ in range(3):
        assert_locked_out(sign_in(Client(), "bystander", PASSWORD, ip="203.0.113.40"))
        assert_locked_out(sign_in(Client(), "victim", PASSWORD, ip="198.51.100.40"))

    assert sorted(AccessAttempt.objects.values_list(*recorded)) == failures_before
    assert not AccessAttempt.objects.filter(username="bystander").exists()


def test_signing_in_to_an_own_account_between_guesses_does_not_reset_the_address_lock(victim, bystander, address_limit):
    # A password sprayer who owns `bystander` signs in after each guess at another account.
    ip = "203.0.113.30"
    for attempt in range(1, address_limit + 1):
        assert sign_in(Client(), f"sprayed{attempt}", "Winter2026!", ip=ip).status_code == 200
        if attempt < address_limit:
            assert sign_in(Client(), "bystander", PASSWORD, ip=ip).status_code == 302

    assert_locked_out(sign_in(Client(), "victim", PASSWORD, ip=ip))


def test_failures_below_the_limit_do_not_lock(victim):
    fail(settings.AXES_FAILURE_LIMIT - 1, usernames=["victim"], ips=["203.0.113.9"])
    assert sign_in(Client(), "victim", PASSWORD, ip="203.0.113.9").status_code == 302


def test_a_forged_forwarded_for_header_does_not_dodge_the_address_lock(victim, address_limit):
    client = Client()
    for attempt in range(address_limit):
        client.post(
            LOGIN,
            {"username": f"guess{attempt}", "password": "x"},
            REMOTE_ADDR="203.0.113.20",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{attempt}",
        )
    response = client.post(
        LOGIN, {"username": "victim", "password": PASSWORD}, REMOTE_ADDR="203.0.113.20", HTTP_X_FORWARDED_FOR="10.9.9.9"
    )
    assert_locked_out(response)


def test_the_lockout_page_is_served_over_http_during_the_gpt_sign_in(chatgpt):
    browser = requests.Session()
    for attempt in range(1, settings.AXES_FAILURE_LIMIT + 1):
        page = browser.get(chatgpt.authorization_url())
        failed = ChatGPT.submit_login(browser, page, "alice", "wrong")
        assert failed.status_code == (429 if attempt == settings.AXES_FAILURE_LIMIT else 200)

    page = browser.get(chatgpt.authorization_url())
    response = ChatGPT.submit_login(browser, page, "alice", "rolegate-demo")

    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text
    assert "Location" not in response.headers


# ---------------------------------------------------------------- enumeration


def test_an_unknown_user_and_a_wrong_password_get_the_same_answer(victim):
    unknown = sign_in(Client(), "nobody-by-this-name", "wrong")
    wrong_password = sign_in(Client(), "victim", "wrong")

    assert unknown.status_code == wrong_password.status_code == 200
    assert unknown.context["form"].non_field_errors() == wrong_password.context["form"].non_field_errors()
    assert "nobody-by-this-name" not in str(unknown.context["form"].non_field_errors())


# ---------------------------------------------------------------- passwords


def test_production_hashes_passwords_with_argon2id_at_owasps_minimum():
    # The test settings use MD5 for speed; the production list must start with a strong hasher.
    assert production_settings.PASSWORD_HASHERS[0] == "accounts.hashers.PasswordHasher"
    assert "MD5" not in " ".join(production_settings.PASSWORD_HASHERS)
    hasher = PasswordHasher()
    encoded = hasher.encode("rolegate-demo", hasher.salt())
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$") and hasher.verify("rolegate-demo", encoded)


def test_a_password_hashed_with_other_argon2_parameters_is_rehashed_at_the_next_sign_in(settings, victim):
    settings.PASSWORD_HASHERS = ["accounts.hashers.PasswordHasher"]
    victim.password = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())  # Django's defaults
    victim.save(update_fields=["password"])

    assert sign_in(Client(), "victim", PASSWORD).status_code == 302

    victim.refresh_from_db()
    assert victim.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


def test_a_pbkdf2_password_is_rehashed_with_argon2id_at_the_next_sign_in(settings, victim):
    settings.PASSWORD_HASHERS = production_settings.PASSWORD_HASHERS
    victim.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())  # before argon2id
    victim.save(update_fields=["password"])

    assert sign_in(Client(), "victim", PASSWORD).status_code == 302

    victim.refresh_from_db()
    assert victim.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert sign_in(Client(), "victim", PASSWORD).status_code == 302  # and the new hash verifies


def test_the_test_suite_alone_uses_the_fast_hasher():
    assert get_hasher().algorithm == "md5"


# ---------------------------------------------------------------- session and CSRF


def test_signing_in_rotates_the_session_key(victim):
    client = Client()
    client.get(LOGIN)
    before = SessionStore()
    before["planted"] = "by an attacker"
    before.create()
    client.cookies[settings.SESSION_COOKIE_NAME] = before.session_key

    response = sign_in(client, "victim", PASSWORD)

    assert response.status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before.session_key
    assert not SessionStore().exists(before.session_key)
    assert SessionStore(session_key=after)["_auth_user_id"] == str(victim.pk)


def test_the_login_form_refuses_a_post_without_its_csrf_token(victim):
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "victim", "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_the_login_form_works_with_its_csrf_token(victim):
    client = Client(enforce_csrf_checks=True)
    page = client.get(LOGIN)
    fields = form_fields(page.content.decode())
    response = client.post(LOGIN, {**fields, "username": "victim", "password": PASSWORD})
    assert response.status_code == 302


def test_the_consent_form_refuses_a_post_without_its_csrf_token(demo):
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(username="alice"))
    url = ChatGPT("http://testserver").authorization_url(state="s")
    page = client.get(url)
    assert page.status_code == 200
    fields = form_fields(page.content.decode())
    del fields["csrfmiddlewaretoken"]

    response = client.post(url, {**fields, "allow": "Authorize"})

    assert response.status_code == 403
    assert "Location" not in response.headers


# ---------------------------------------------------------------- framing


@pytest.mark.parametrize("page", ["login", "consent"])
def test_the_sign_in_pages_cannot_be_framed(client, demo, page):
    if page == "consent":
        client.force_login(UserFactory(username="alice"))
    response = client.get(LOGIN if page == "login" else ChatGPT("http://testserver").authorization_url())
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
