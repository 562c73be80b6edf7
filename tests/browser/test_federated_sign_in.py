"""
On a phone, a company user signs in to the GPT through their IdP (a real upstream OIDC provider,
tests.upstream_idp): by typing their work email (home-realm discovery) or with the IdP's button.
"""

import os
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.conftest import DESKTOP, PHONE, admin_sign_in
from tests.browser.test_sign_in_flow import CALLBACK, SCREENSHOTS, catch_chatgpt_callback
from tests.chatgpt import ChatGPT
from tests.upstream_idp import EMAIL, PASSWORD, USER

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.live_server]


@pytest.fixture
def open_page(browser, live_demo, upstream):
    """Pages that may load the portal and the upstream IdP, and nothing else (blocked, recorded)."""
    allowed = {urlsplit(live_demo.url).netloc, urlsplit(upstream.issuer).netloc, "chatgpt.com"}
    contexts, blocked = [], []

    def only_known_hosts(route):
        if urlsplit(route.request.url).netloc in allowed:
            route.fallback()
        else:
            blocked.append(route.request.url)
            route.abort()

    def new(viewport=PHONE):
        context = browser.new_context(viewport=viewport, color_scheme="light")
        context.set_default_timeout(15_000)
        context.route("**/*", only_known_hosts)
        contexts.append(context)
        return context.new_page()

    yield new
    for context in contexts:
        context.close()
    assert blocked == []


def sign_in_upstream(page) -> None:
    """The upstream IdP's own sign-in page (it has no IdP of its own, so its button says Sign in)."""
    page.get_by_label("Username").fill(USER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


def folder(tmp_path):
    return SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path


def test_on_a_phone_a_work_email_leads_through_the_idp_to_consent_and_the_gpts_callback(
    open_page, live_demo, contoso, tmp_path
):
    page = open_page()
    caught = catch_chatgpt_callback(page)
    page.goto(ChatGPT(live_demo.url, callback=CALLBACK).authorization_url(state="phone-federated"))
    page.get_by_role("button", name="Sign in with Contoso").wait_for()
    page.screenshot(path=folder(tmp_path) / "login-federated-phone.png", full_page=True)

    page.get_by_label("Work email or username").fill(EMAIL)
    page.get_by_role("button", name="Continue").click()
    sign_in_upstream(page)
    page.get_by_role("button", name="Allow").wait_for()
    page.screenshot(path=folder(tmp_path) / "consent-federated-phone.png", full_page=True)
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(f"{CALLBACK}*")

    params = parse_qs(urlsplit(caught[-1]).query)
    assert params["state"] == ["phone-federated"] and params["code"]


def test_on_a_phone_the_idp_button_leads_to_the_idp(open_page, live_demo, contoso):
    page = open_page()
    page.goto(ChatGPT(live_demo.url, callback=CALLBACK).authorization_url(state="button"))
    page.get_by_role("button", name="Sign in with Contoso").click()
    sign_in_upstream(page)
    page.get_by_role("button", name="Allow").wait_for()
    assert page.url.startswith(f"{live_demo.url}/o/authorize/")


def test_screenshots_of_the_identity_provider_page_and_a_refused_answer(open_page, live_demo, contoso, tmp_path):
    page = open_page(viewport=DESKTOP)
    admin_sign_in(page, live_demo.url)
    page.goto(f"{live_demo.url}/admin/accounts/identityprovider/{contoso.pk}/change/")
    page.get_by_role("heading", name="Register Rolegate at Contoso").wait_for()
    page.screenshot(path=folder(tmp_path) / "identity-provider-desktop.png", full_page=True)

    page = open_page()
    page.goto(f"{live_demo.url}/auth/oidc/contoso/login/callback/?code=stolen&state=not-mine")
    page.get_by_role("heading", name="This sign-in could not be matched").wait_for()
    page.screenshot(path=folder(tmp_path) / "federated-refused-phone.png", full_page=True)
