"""
Machine calls (the API, DOT's client endpoints, SCIM) skip the browser pages' middleware and
keep everything that protects or observes them; browser pages keep all of it (accounts.machine_calls).

The second factor's gate and the lockout page on browser pages are proven end to end by
test_mfa.py and test_sign_in_hardening.py; here, what the middleware order decides.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections as db_connections
from django.test import AsyncClient, Client, override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice
from prometheus_client import REGISTRY

from accounts.machine_calls import END, START
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BROWSER_ONLY = {
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.mfa.middleware.MfaGateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
}
NOTHING = "default-src 'none'; frame-ancestors 'none'"
RESPONSES = "django_http_responses_total_by_status_view_method_total"


def responses_counted(response) -> float:
    labels = {
        "status": str(response.status_code),
        "view": response.wsgi_request.resolver_match.view_name,
        "method": response.wsgi_request.method,
    }
    return REGISTRY.get_sample_value(RESPONSES, labels) or 0.0


def assert_protected_and_observed(response, request_id: str) -> None:
    """What every response gets, machine call or page: request id, security headers, a policy."""
    assert response.headers["X-Request-ID"] == request_id
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] and response.headers["Cross-Origin-Opener-Policy"]
    assert "Content-Security-Policy" in response.headers


def test_only_the_browser_pages_middleware_sit_between_the_skip_and_its_end():
    chain = settings.MIDDLEWARE
    assert set(chain[chain.index(START) + 1 : chain.index(END)]) == BROWSER_ONLY
    # Every middleware stays listed: Django's admin, allauth, axes and `check --deploy` read the list.
    assert BROWSER_ONLY < set(chain)


def test_an_api_call_never_opens_the_session_its_cookie_names(mint_token, logged_calls):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    browser = Client()
    browser.force_login(bob)

    without_token = browser.get("/api/v1/me")
    with_token = browser.get("/api/v1/me", headers={"Authorization": f"Bearer {mint_token(alice)}"})

    assert without_token.status_code == 401  # bob's session is no credential here
    assert with_token.status_code == 200 and with_token.json()["preferred_username"] == "alice"
    for response in (without_token, with_token):
        assert not hasattr(response.wsgi_request, "session")  # the cookie was never even read
        assert "Set-Cookie" not in response.headers and "Cookie" not in response.headers.get("Vary", "")
    assert [call.username for call in logged_calls().order_by("id")] == ["", "alice"]


def test_an_api_call_keeps_the_security_headers_request_id_policy_metrics_and_call_log(mint_token, logged_calls):
    client = Client(headers={"Authorization": f"Bearer {mint_token(UserFactory())}", "X-Request-ID": "call-1"})
    before = responses_counted(client.get("/api/v1/me"))

    response = client.get("/api/v1/me")

    assert response.status_code == 200
    assert_protected_and_observed(response, "call-1")
    assert response.headers["Content-Security-Policy"] == NOTHING
    assert responses_counted(response) == before + 1
    assert [call.request_id for call in logged_calls()] == ["call-1", "call-1"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/o/token/"), ("post", "/o/revoke_token/"), ("post", "/o/introspect/"), ("get", "/scim/v2/Users")],
)
def test_the_other_machine_endpoints_skip_the_session_and_keep_their_protection(method, path):
    client = Client(enforce_csrf_checks=True, headers={"X-Request-ID": "machine-1"})
    client.force_login(UserFactory())

    response = getattr(client, method)(path)

    assert response.status_code in (400, 401, 403)  # refused by the endpoint itself: no credentials
    assert "CSRF" not in response.content.decode()
    assert not hasattr(response.wsgi_request, "session")
    assert_protected_and_observed(response, "machine-1")


@pytest.mark.parametrize("path", ["/o/token/", "/api/v1/orders"])
def test_a_nul_byte_is_refused_on_machine_paths_too(path):
    assert Client().post(f"{path}?state=%00").status_code == 400


def test_a_page_still_gets_its_session_csrf_cookie_messages_and_the_page_policy():
    client = Client(enforce_csrf_checks=True, headers={"X-Request-ID": "page-1"})

    page = client.get("/accounts/login/")
    forged = client.post("/accounts/login/", {"username": "someone", "password": "guess"})

    assert page.status_code == 200
    assert_protected_and_observed(page, "page-1")
    assert page.headers["Content-Security-Policy"] != NOTHING  # django-csp's policy for pages
    assert settings.CSRF_COOKIE_NAME in page.cookies
    assert hasattr(page.wsgi_request, "session") and hasattr(page.wsgi_request, "_messages")
    assert forged.status_code == 403  # no CSRF token: refused before the view


def test_the_second_factor_gate_holds_pages_but_not_the_same_users_bearer_call(mint_token):
    user = UserFactory()
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    client.force_login(user)  # password only: the session has not passed the second factor

    page = client.get("/accounts/apps/")
    call = client.get("/api/v1/me", headers={"Authorization": f"Bearer {mint_token(user)}"})

    assert page.status_code == 302 and page.headers["Location"].startswith("/accounts/mfa/verify/")
    assert call.status_code == 200


def in_a_thread_of_its_own(calls):
    """
    The ASGI calls in a fresh thread: once a browser test has run on this worker, the session's
    Playwright keeps an event loop running in the main thread, where async_to_sync refuses to run.
    That thread has its own database connection, so the test's data is committed (transaction=True).
    """

    def run():
        try:
            return [async_to_sync(call)() for call in calls]
        finally:
            db_connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


@pytest.mark.django_db(transaction=True)
def test_under_asgi_both_paths_run_their_middleware(mint_token):
    """Django adapts each middleware to the async handler: the skip must hand over in the same mode."""
    client = AsyncClient()
    token = mint_token(UserFactory())
    call, page = in_a_thread_of_its_own(
        [
            partial(client.get, "/api/v1/me", headers={"Authorization": f"Bearer {token}", "X-Request-ID": "asgi-1"}),
            partial(client.get, "/accounts/login/", headers={"X-Request-ID": "asgi-1"}),
        ]
    )

    assert call.status_code == 200 and page.status_code == 200
    assert_protected_and_observed(call, "asgi-1")
    assert_protected_and_observed(page, "asgi-1")
    assert settings.CSRF_COOKIE_NAME in page.cookies and settings.CSRF_COOKIE_NAME not in call.cookies


def test_the_skip_without_its_end_is_refused_when_the_handler_is_built():
    with override_settings(MIDDLEWARE=[mw for mw in settings.MIDDLEWARE if mw != END]):
        with pytest.raises(ImproperlyConfigured, match="must be followed by"):
            Client().get("/healthz")
