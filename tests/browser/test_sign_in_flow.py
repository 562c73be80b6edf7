"""The end user's and the admin's journeys in a real browser (DESIGN §3), against a live portal."""

import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, admin_sign_in, fill_login, sign_in
from tests.chatgpt import ChatGPT

pytestmark = pytest.mark.django_db(transaction=True)

CALLBACK = "https://chatgpt.com/aip/g-Browser42/oauth/callback"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def catch_chatgpt_callback(page) -> list[str]:
    """Answers ChatGPT's callback in place of chatgpt.com; returns the URLs it was called with."""
    caught = []

    def fulfil(route):
        caught.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<p>ChatGPT: signed in</p>")

    page.route("https://chatgpt.com/**", fulfil)
    return caught


def test_a_user_signs_in_and_consents_and_chatgpts_callback_receives_code_and_state(page, live_demo, offsite_requests):
    chatgpt = ChatGPT(live_demo.url, callback=CALLBACK)
    caught = catch_chatgpt_callback(page)

    sign_in(page, live_demo.url, "alice", "rolegate-demo", next_url=chatgpt.authorization_url(state="st-4711"))
    page.get_by_role("heading", name="Demo GPT wants to use your account").wait_for()
    assert page.get_by_text("Sales EMEA").is_visible()
    assert page.get_by_text("Only rows with Region: EMEA").is_visible()
    page.get_by_role("button", name="Allow").click()
    page.get_by_text("ChatGPT: signed in").wait_for()

    assert len(caught) == 1 and caught[0].startswith(CALLBACK + "?")
    params = {name: values[0] for name, values in parse_qs(urlsplit(caught[0]).query).items()}
    assert params["state"] == "st-4711" and params["code"]
    tokens = chatgpt.token_request(
        {"grant_type": "authorization_code", "code": params["code"], "redirect_uri": CALLBACK}
    )
    assert tokens.status_code == 200, tokens.text
    chatgpt.tokens = tokens.json()
    assert chatgpt.call("/api/v1/me").json()["roles"] == ["sales-emea"]
    assert offsite_requests == []


def test_a_wrong_password_is_refused_with_a_clear_message_and_the_user_can_retry(page, live_demo):
    sign_in(page, live_demo.url, "alice", "not-the-password")
    alert = page.get_by_role("alert")
    assert "do not match" in alert.inner_text()
    assert page.get_by_label("Username").input_value() == "alice"
    assert page.get_by_label("Password").get_attribute("aria-invalid") == "true"


def test_an_admin_assigns_a_role_to_dave_in_the_admin_and_daves_next_token_carries_it(page, live_demo):
    chatgpt = ChatGPT(live_demo.url)
    chatgpt.sign_in("dave")
    assert jwt.decode(chatgpt.tokens["access_token"], options={"verify_signature": False})["roles"] == []
    assert chatgpt.call("/api/v1/orders").status_code == 403

    admin_sign_in(page, live_demo.url)
    page.goto(f"{live_demo.url}/admin/accounts/user/?q=dave")
    page.get_by_role("link", name="dave", exact=True).click()
    page.locator(".field-role .select2-selection").first.click()
    page.locator(".select2-search__field").fill("Sales EMEA")
    page.locator(".select2-results__option", has_text="Sales EMEA").click()
    page.locator("input[name=_save]").click()
    page.locator(".messagelist .success").wait_for()

    assert chatgpt.refresh().status_code == 200
    claims = jwt.decode(chatgpt.tokens["access_token"], options={"verify_signature": False})
    assert claims["roles"] == ["sales-emea"]
    assert chatgpt.call("/api/v1/orders").status_code == 200


def test_the_connections_page_revoke_button_ends_the_connections_access(page, live_demo, rolegate):
    rolegate(ACCESS_REVOCATION_REFRESH_SECONDS=0)  # the API's revocation list: no wait in the test
    chatgpt = ChatGPT(live_demo.url)
    chatgpt.sign_in("alice")
    assert chatgpt.call("/api/v1/me").status_code == 200

    sign_in(page, live_demo.url, "alice", "rolegate-demo")
    page.get_by_role("heading", name="Connections").wait_for()
    page.get_by_role("button", name="Revoke access of Demo GPT").click()
    page.get_by_text("Access revoked").wait_for()
    assert page.get_by_text("No connection holds access to your account.").is_visible()

    refused = chatgpt.refresh()
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    held = chatgpt.call("/api/v1/me")
    assert held.status_code == 401 and "revoked" in held.json()["detail"]


def test_the_api_docs_render_in_the_browser_from_assets_the_portal_serves(page, live_demo, offsite_requests):
    page.goto(f"{live_demo.url}/api/docs/")
    page.get_by_role("heading", name="Who am I and what may I see").wait_for()
    assert offsite_requests == []


def test_screenshots_of_the_sign_in_consent_and_connection_pages(new_page, live_demo, tmp_path, offsite_requests):
    """Phone and desktop screenshots; `UPDATE_SCREENSHOTS=1` writes them to docs/screenshots/."""
    folder = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    authorize = ChatGPT(live_demo.url, callback=CALLBACK).authorization_url(state="shot")
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = new_page(viewport=viewport, color_scheme="light")
        page.goto(authorize)
        page.screenshot(path=folder / f"login-{size}.png", full_page=True)
        fill_login(page, "alice", "rolegate-demo")
        page.get_by_role("button", name="Allow").wait_for()
        page.screenshot(path=folder / f"consent-{size}.png", full_page=True)

        admin_sign_in(page, live_demo.url)
        page.goto(f"{live_demo.url}/admin/accounts/gptconnection/add/")
        page.fill("#id_name", "Sales GPT")
        page.locator("input[name=_save]").click()
        page.get_by_role("heading", name="Connect your GPT in five steps").wait_for()
        page.screenshot(path=folder / f"connection-{size}.png", full_page=True)
    page = new_page(viewport=PHONE, color_scheme="light")
    page.goto(ChatGPT(live_demo.url, callback="https://evil.example/aip/g-x/oauth/callback").authorization_url())
    page.get_by_role("heading", name="This sign-in link cannot be used").wait_for()
    page.screenshot(path=folder / "refused-callback-phone.png", full_page=True)
    assert {path.name for path in folder.glob("*.png")} >= {
        f"{name}-{size}.png" for name in ("login", "consent", "connection") for size in ("phone", "desktop")
    } | {"refused-callback-phone.png"}
    assert offsite_requests == []


def test_a_builder_copies_each_value_for_the_gpt_editor_with_the_copy_buttons(new_page, live_demo):
    page = new_page()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_demo.url)
    admin_sign_in(page, live_demo.url)
    page.goto(f"{live_demo.url}/admin/accounts/gptconnection/add/")
    page.fill("#id_name", "Finance GPT")
    page.locator("input[name=_save]").click()
    page.get_by_role("button", name="Copy Client ID", exact=True).wait_for()
    page.wait_for_load_state("load")  # the copy buttons' script runs at load: a busy machine may lag behind
    page.bring_to_front()  # the Clipboard API serves only the focused page

    for label in ("Client ID", "Client Secret", "Authorization URL", "Token URL", "Scope", "Schema: Import from URL"):
        button = page.get_by_role("button", name=f"Copy {label}", exact=True)
        button.click()
        expect(button).to_have_text("Copied")
        expect(page.locator(".copy-status")).to_have_text(f"{label} copied.")
        shown = page.locator(f"#{button.get_attribute('data-copy')}").inner_text()
        assert page.evaluate("navigator.clipboard.readText()") == shown, label

    page.reload()
    assert page.get_by_role("button", name="Copy Client Secret").count() == 0, "the secret is shown once"
    assert page.get_by_role("button", name="Generate a new secret").is_visible()
