"""Accounts in a real browser on a phone: TOTP, a passkey (Chromium's virtual authenticator), an invitation, a reset."""

import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jwt
import pyotp
import pytest
from django.core import mail
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import expect

from accounts.mfa.models import MfaPolicy
from accounts.models import User
from tests.browser.conftest import PHONE, fill_login
from tests.chatgpt import ChatGPT

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

CALLBACK = "https://chatgpt.com/aip/g-Accounts7/oauth/callback"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshot(page, name: str) -> None:
    if os.environ.get("UPDATE_SCREENSHOTS"):
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def gpt_sign_in_starts(page, live_url: str, username: str, password: str = "rolegate-demo") -> tuple[ChatGPT, list]:
    """Opens the GPT's authorization URL on the phone and signs in with the password."""
    chatgpt = ChatGPT(live_url, callback=CALLBACK)
    caught = []
    page.route(
        "https://chatgpt.com/**",
        lambda route: (
            caught.append(route.request.url),
            route.fulfill(status=200, content_type="text/html", body="<p>ChatGPT: signed in</p>"),
        ),
    )
    page.goto(chatgpt.authorization_url(state="st-acc"))
    fill_login(page, username, password)
    return chatgpt, caught


def gpt_sign_in_finishes(page, chatgpt: ChatGPT, caught: list, *, consent: bool = True) -> dict:
    """
    Approves the consent page (`consent`: shown, as on a first sign-in; a repeat of exactly the same
    request is not asked again), exchanges the code like ChatGPT; returns the access token's claims.
    """
    if consent:
        page.get_by_role("button", name="Allow").click()
    page.get_by_text("ChatGPT: signed in").wait_for()
    code = parse_qs(urlsplit(caught[-1]).query)["code"][0]
    tokens = chatgpt.token_request({"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK})
    assert tokens.status_code == 200, tokens.text
    return jwt.decode(tokens.json()["access_token"], options={"verify_signature": False})


def test_a_user_required_to_use_mfa_enrols_an_authenticator_during_the_gpt_sign_in_and_then_signs_in_with_codes(
    new_page, live_demo
):
    MfaPolicy.objects.update_or_create(pk=1, defaults={"everyone": True})
    page = new_page(viewport=PHONE)
    chatgpt, caught = gpt_sign_in_starts(page, live_demo.url, "alice")
    page.get_by_text("requires a second step").wait_for()
    screenshot(page, "mfa-required-phone")
    page.get_by_role("link", name="Add an authenticator app").click()
    secret = page.locator("#totp-secret").inner_text()
    assert page.locator(".qr svg").count() == 1
    screenshot(page, "mfa-authenticator-phone")
    page.get_by_label("The 6-digit code the app shows").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    assert page.locator("#recovery-codes li").count() == 10
    screenshot(page, "mfa-recovery-codes-phone")
    page.get_by_role("link", name="Continue").click()
    assert gpt_sign_in_finishes(page, chatgpt, caught)["amr"] == ["pwd", "otp", "mfa"]

    TOTPDevice.objects.filter(user__username="alice").update(last_t=-1)  # the next sign-in is a period later
    page = new_page(viewport=PHONE)
    chatgpt, caught = gpt_sign_in_starts(page, live_demo.url, "alice")
    page.get_by_role("heading", name="Confirm it's you").wait_for()
    screenshot(page, "mfa-verify-phone")
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Continue").click()
    assert gpt_sign_in_finishes(page, chatgpt, caught, consent=False)["amr"] == ["pwd", "otp", "mfa"]


def test_a_passkey_is_registered_and_then_used_to_sign_in_through_a_gpt(new_page, live_demo, settings):
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_demo.url]
    settings.OTP_WEBAUTHN_RP_ID = urlsplit(live_demo.url).hostname
    page = new_page(viewport=PHONE)
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    page.goto(f"{live_demo.url}/accounts/login/?next=/accounts/mfa/passkey/")
    fill_login(page, "bob", "rolegate-demo")
    screenshot(page, "mfa-passkey-phone")
    page.get_by_role("button", name="Create a passkey").click()
    expect(page.locator("#passkey-register-status-message")).not_to_be_empty()
    assert WebAuthnCredential.objects.filter(user__username="bob", confirmed=True).exists(), page.locator(
        "#passkey-register-status-message"
    ).inner_text()
    page.get_by_role("link", name="Continue").click()
    page.get_by_role("button", name="Create new recovery codes").click()
    assert page.locator("#recovery-codes li").count() == 10

    page.goto(f"{live_demo.url}/accounts/apps/")
    page.get_by_role("button", name="Sign out").click()
    chatgpt, caught = gpt_sign_in_starts(page, live_demo.url, "bob")  # same phone, same virtual authenticator
    page.get_by_role("button", name="Use a passkey").click()
    claims = gpt_sign_in_finishes(page, chatgpt, caught)
    assert claims["amr"] == ["pwd", "hwk", "mfa"] and claims["acr"] == "urn:rolegate:acr:mfa"


def test_an_invitee_accepts_from_the_emailed_link_on_a_phone(new_page, live_demo):
    call_command("invite_user", "nora@example.test", "--role", "sales-emea")
    link = re.search(r"https?://\S+/accounts/invitations/\S+/", mail.outbox[-1].body).group(0)
    page = new_page(viewport=PHONE)
    page.goto(live_demo.url + urlsplit(link).path)
    screenshot(page, "invitation-accept-phone")
    page.get_by_label("Username").fill("nora")
    page.get_by_label("Password", exact=True).fill("Nora's long passphrase 3")
    page.get_by_label("Password again").fill("Nora's long passphrase 3")
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Connections").wait_for()
    assert User.objects.get(username="nora").email == "nora@example.test"


def test_a_user_resets_a_forgotten_password_on_a_phone(new_page, live_demo):
    User.objects.filter(username="erin").update(email="erin@example.test")
    page = new_page(viewport=PHONE)
    page.goto(f"{live_demo.url}/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("erin@example.test")
    page.get_by_role("button", name="Send the link").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    for _ in range(100):  # the email leaves in a background thread
        if mail.outbox:
            break
        page.wait_for_timeout(50)
    link = re.search(r"https?://\S+/accounts/password/reset/\S+/", mail.outbox[-1].body).group(0)
    page.goto(live_demo.url + urlsplit(link).path)
    screenshot(page, "password-reset-phone")
    page.get_by_label("New password", exact=True).fill("Erin's new passphrase 5")
    page.get_by_label("New password again").fill("Erin's new passphrase 5")
    page.get_by_role("button", name="Set password").click()
    page.get_by_role("heading", name="Password set").wait_for()
    page.get_by_role("link", name="Sign in").click()
    fill_login(page, "erin", "Erin's new passphrase 5")
    page.get_by_role("heading", name="Connections").wait_for()
