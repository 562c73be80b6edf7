"""Two-step sign-in through the real GPT flow: enrolment, codes, lockout, policy, amr/acr and MFA-only roles."""

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.mfa.models import MfaPolicy
from accounts.models import User
from roles.audit.models import AuditEvent
from roles.models import Role, Team
from tests.accounts.mfa_flow import (
    AUTHORIZE,
    approve,
    claims,
    exchange,
    follow,
    refresh,
    secret_of,
    start_sign_in,
    totp_now,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance_needs_mfa(demo):
    Role.objects.filter(slug="finance").update(requires_mfa=True)


def enrol_totp(client: Client, username: str) -> str:
    """Signs in at the settings page and turns on an authenticator app; returns its secret."""
    client.post("/accounts/login/", {"username": username, "password": "rolegate-demo"})
    page = client.get("/accounts/mfa/authenticator/")
    assert b"<svg" in page.content  # the QR code, drawn on the server
    secret = secret_of(TOTPDevice.objects.get(user__username=username, confirmed=False))
    follow(client, client.post("/accounts/mfa/authenticator/", {"code": totp_now(secret)}))
    client.post("/accounts/logout/")
    # A code is accepted once per 30-second period: the next sign-in happens "in the next period".
    TOTPDevice.objects.filter(user__username=username).update(last_t=-1)
    return secret


def test_a_role_that_needs_mfa_is_left_out_after_a_password_and_carried_after_a_code(finance_needs_mfa):
    phone = Client()
    password_only = exchange(phone, approve(phone, start_sign_in(phone, "carol")))
    assert "finance" not in claims(password_only["access_token"])["roles"]
    assert claims(password_only["access_token"])["amr"] == ["pwd"]
    assert claims(password_only["id_token"])["acr"] == "urn:rolegate:acr:password"

    secret = enrol_totp(Client(), "carol")
    phone = Client()
    page = start_sign_in(phone, "carol")
    assert page.wsgi_request.path == "/accounts/mfa/verify/"  # asked for a code before the consent page
    page = follow(phone, phone.post("/accounts/mfa/verify/", {"code": totp_now(secret), "next": AUTHORIZE}))
    with_code = exchange(phone, approve(phone, page))

    assert "finance" in claims(with_code["access_token"])["roles"]
    assert claims(with_code["access_token"])["amr"] == ["pwd", "otp", "mfa"]
    assert claims(with_code["id_token"])["amr"] == ["pwd", "otp", "mfa"]
    assert claims(with_code["id_token"])["acr"] == "urn:rolegate:acr:mfa"
    refreshed = refresh(Client(), with_code["refresh_token"])  # the token endpoint has no session
    assert "finance" in claims(refreshed["access_token"])["roles"]
    assert claims(refreshed["access_token"])["amr"] == ["pwd", "otp", "mfa"]


def test_a_recovery_code_works_once(demo):
    enrol_totp(Client(), "bob")
    code = StaticToken.objects.filter(device__user__username="bob").first().token
    first, second = Client(), Client()
    start_sign_in(first, "bob")
    start_sign_in(second, "bob")

    assert first.post("/accounts/mfa/verify/", {"code": code, "next": AUTHORIZE}).status_code == 302
    assert second.post("/accounts/mfa/verify/", {"code": code, "next": AUTHORIZE}).status_code == 400


def test_wrong_codes_lock_the_account_out_like_wrong_passwords(demo, settings):
    secret = enrol_totp(Client(), "bob")
    phone = Client()
    start_sign_in(phone, "bob")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        phone.post("/accounts/mfa/verify/", {"code": "000000", "next": AUTHORIZE})

    locked = phone.post("/accounts/mfa/verify/", {"code": totp_now(secret), "next": AUTHORIZE})
    assert locked.status_code == 429
    assert not phone.get("/accounts/apps/").wsgi_request.user.is_verified()
    failures = AuditEvent.objects.filter(action=AuditEvent.Action.SIGN_IN_FAILED, target_label="bob")
    assert failures.filter(details__factor="code").count() == settings.AXES_FAILURE_LIMIT


def test_a_policy_for_everyone_has_the_user_enrol_during_the_gpt_sign_in_then_the_flow_continues(demo):
    MfaPolicy.current().__class__.objects.update(everyone=True)
    phone = Client()
    page = start_sign_in(phone, "alice")
    assert page.wsgi_request.path == "/accounts/mfa/"
    assert b"requires a second step" in page.content

    page = follow(phone, phone.get(f"/accounts/mfa/authenticator/?next={page.wsgi_request.GET['next']}"))
    secret = secret_of(TOTPDevice.objects.get(user__username="alice"))
    page = phone.post("/accounts/mfa/authenticator/", {"code": totp_now(secret), "next": AUTHORIZE})
    codes = follow(phone, page)
    assert codes.wsgi_request.path == "/accounts/mfa/recovery-codes/" and len(codes.context["codes"]) == 10
    tokens = exchange(phone, approve(phone, follow(phone, phone.get(codes.context["next"]))))
    assert claims(tokens["access_token"])["amr"] == ["pwd", "otp", "mfa"]


def test_a_policy_for_a_team_or_a_role_applies_to_its_members_only(demo):
    policy = MfaPolicy.current()
    policy.teams.add(Team.objects.create(slug="treasury", name="Treasury"))
    policy.teams.first().members.add(User.objects.get(username="erin"))
    policy.roles.add(Role.objects.get(slug="sales-amer"))

    assert start_sign_in(Client(), "erin").wsgi_request.path == "/accounts/mfa/"
    assert start_sign_in(Client(), "bob").wsgi_request.path == "/accounts/mfa/"
    assert start_sign_in(Client(), "alice").wsgi_request.path == "/o/authorize/"


def test_the_admin_site_can_require_a_second_factor(demo):
    MfaPolicy.objects.update_or_create(pk=1, defaults={"admin_site": True})
    admin = Client()
    admin.post("/accounts/login/", {"username": "admin", "password": "rolegate-admin"})
    response = admin.get("/admin/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/accounts/mfa/?next=%2Fadmin%2F")


def test_a_password_only_session_cannot_change_factors_of_an_enrolled_user(demo):
    enrol_totp(Client(), "bob")
    thief = Client()
    thief.post("/accounts/login/", {"username": "bob", "password": "rolegate-demo"})
    device = TOTPDevice.objects.get(user__username="bob", confirmed=True)

    response = thief.post(f"/accounts/mfa/authenticator/{device.pk}/remove/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/accounts/mfa/verify/")
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert thief.get("/accounts/mfa/authenticator/").headers["Location"].startswith("/accounts/mfa/verify/")


def test_enrolment_and_removal_are_in_the_audit_log(demo):
    bob = Client()
    enrol_totp(bob, "bob")
    device = TOTPDevice.objects.get(user__username="bob", confirmed=True)
    bob.post("/accounts/login/", {"username": "bob", "password": "rolegate-demo"})
    secret = secret_of(device)
    bob.post("/accounts/mfa/verify/", {"code": totp_now(secret)})
    bob.post(f"/accounts/mfa/authenticator/{device.pk}/remove/")

    events = AuditEvent.objects.filter(target_type="otp_totp.totpdevice", target_id=str(device.pk))
    assert set(events.values_list("action", flat=True)) == {"created", "updated", "deleted"}
    assert events.get(action="updated").changes["confirmed"] == [False, True]
    logged = str(list(AuditEvent.objects.values_list("changes", "details")))
    assert device.key not in logged and secret not in logged  # the secret is never written to the log
