"""
Real headless chromium (Debian's /usr/bin/chromium, never a downloaded browser) driven by Playwright.

Playwright's sync API runs an event loop in the test thread, so Django would refuse the ORM
calls that fixtures make there; the tests touch the database only between browser steps.
"""

import os
import re
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


def offsite(*hosts: str) -> re.Pattern:
    """
    The URLs of every host but `hosts` (``host:port``), as a pattern for ``context.route``.

    Playwright matches a pattern in the browser's driver, so only offsite requests are paused and
    handed to the test; with ``"**/*"`` and a Python check, every request of every page (each static
    file included) made a round trip through the driver and the test process.
    """
    known = "|".join(re.escape(host) for host in hosts)
    return re.compile(rf"^(?!(?:https?|wss?)://(?:{known})(?:[/?#]|$))[a-z][a-z0-9+.-]*://")


def blocked_into(requests: list):
    """A route handler that records an offsite request and aborts it."""

    def block(route):
        requests.append(route.request.url)
        route.abort()

    return block


@pytest.fixture
def offsite_requests():
    return OffsiteRequests()


@pytest.fixture
def new_page(browser, live_demo, offsite_requests):
    """Opens pages on the portal; any request to another host is blocked and recorded."""
    contexts = []
    elsewhere = offsite(urlsplit(live_demo.url).netloc)

    def open_page(viewport=DESKTOP, **options):
        context = browser.new_context(viewport=viewport, **options)
        context.set_default_timeout(15_000)
        context.route(elsewhere, blocked_into(offsite_requests))
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
