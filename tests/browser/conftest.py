"""
Real headless chromium (Debian's /usr/bin/chromium, never a downloaded browser) driven by Playwright.

Playwright's sync API runs an event loop in the test thread, so Django would refuse the ORM
calls that fixtures make there; the tests touch the database only between browser steps.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"The browser tests need Debian's chromium at {CHROMIUM}: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class OffsiteRequests(list):
    """Every request the page tried to send anywhere but the portal (all are blocked)."""


@pytest.fixture
def offsite_requests():
    return OffsiteRequests()


@pytest.fixture
def new_page(browser, live_demo, offsite_requests):
    """Opens pages on the portal; any request to another host is blocked and recorded."""
    contexts = []
    portal_host = urlsplit(live_demo.url).netloc

    def block_offsite(route):
        if urlsplit(route.request.url).netloc == portal_host:
            route.continue_()
        else:
            offsite_requests.append(route.request.url)
            route.abort()

    def open_page(viewport=DESKTOP, **options):
        context = browser.new_context(viewport=viewport, **options)
        context.set_default_timeout(15_000)
        context.route("**/*", block_offsite)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def sign_in(page, base_url: str, username: str, password: str, *, next_url: str = "") -> None:
    """Opens `next_url` (or the sign-in page) and signs in."""
    page.goto(next_url or f"{base_url}/accounts/login/")
    fill_login(page, username, password)


def fill_login(page, username: str, password: str) -> None:
    """Fills in the end user's sign-in page as a person would."""
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def admin_sign_in(page, base_url: str) -> None:
    page.goto(f"{base_url}/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "rolegate-admin")
    page.click("input[type=submit]")
    page.wait_for_url(f"{base_url}/admin/")
