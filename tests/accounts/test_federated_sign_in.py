"""
Federated sign-in against a real upstream OpenID Connect provider over HTTP (a second Rolegate
process, see tests.upstream_idp): GPT authorize → sign-in page → home-realm discovery or the IdP
button → upstream sign-in → back → consent → code → token whose roles follow the upstream groups.
"""

from __future__ import annotations

import datetime as dt
import secrets
from html import unescape

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.federation.models import GroupMapping, IdentityProvider
from roles.audit.models import AuditEvent
from roles.models import Team, TeamMembership
from tests.chatgpt import ChatGPT, form_fields
from tests.federation import consent, follow, post_form
from tests.upstream_idp import EMAIL, PASSWORD, USER

pytestmark = pytest.mark.live_server
User = get_user_model()


def upstream_sign_in(browser, page) -> requests.Response:
    """At the upstream IdP's sign-in page: the company user signs in; back to the portal."""
    assert page.status_code == 200 and "/accounts/login/" in page.url, (page.status_code, page.url)
    return follow(browser, post_form(browser, page, username=USER, password=PASSWORD))


def start(chatgpt: ChatGPT, browser) -> tuple[requests.Response, str]:
    state = secrets.token_urlsafe(8)
    page = follow(browser, browser.get(chatgpt.authorization_url(state=state), allow_redirects=False))
    assert "/accounts/login/" in page.url and "Sign in with Contoso" in page.text
    return page, state


def test_home_realm_discovery_signs_a_company_user_in_and_their_upstream_group_decides_the_rows(chatgpt, contoso):
    browser = requests.Session()
    login_page, state = start(chatgpt, browser)
    upstream_page = follow(browser, post_form(browser, login_page, username=EMAIL, password=""))
    params = consent(browser, upstream_sign_in(browser, upstream_page))
    assert params["state"] == state

    response = chatgpt.token_request(
        {"grant_type": "authorization_code", "code": params["code"], "redirect_uri": chatgpt.callback}
    )
    assert response.status_code == 200, response.text
    chatgpt.tokens = response.json()
    me = chatgpt.call("/api/v1/me").json()
    assert me["roles"] == ["sales-emea"]
    assert {row["region"] for row in chatgpt.all_rows("/api/v1/orders")} == {"EMEA"}

    user = User.objects.get(email=EMAIL)
    assert user.username == USER and not user.has_usable_password()
    assert SocialAccount.objects.get(user=user).provider == "contoso"
    assert AuditEvent.objects.filter(target_id=str(user.pk), details__teams_added=["emea-sales"]).exists()


def test_the_idp_button_signs_in_and_a_second_sign_in_reuses_the_same_account(chatgpt, contoso):
    for _ in range(2):
        browser = requests.Session()
        login_page, _state = start(chatgpt, browser)
        button = post_form(
            browser,
            login_page,
            action="/accounts/login/with/contoso/",
            csrfmiddlewaretoken=form_fields(login_page.text)["csrfmiddlewaretoken"],
        )
        consent(browser, upstream_sign_in(browser, follow(browser, button)))
    assert User.objects.filter(email=EMAIL).count() == 1


def sign_in_through_contoso(chatgpt, browser=None) -> dict:
    browser = browser or requests.Session()
    login_page, _ = start(chatgpt, browser)
    return consent(browser, upstream_sign_in(browser, follow(browser, post_form(browser, login_page, username=EMAIL))))


def test_a_team_no_longer_granted_by_the_groups_is_removed_at_the_next_sign_in(chatgpt, contoso):
    stale = Team.objects.create(slug="apac-sales", name="APAC sales")
    GroupMapping.objects.create(identity_provider=contoso, group="contoso-sales-apac", team=stale)
    admins_team = Team.objects.create(slug="admins-choice", name="Kept: not managed by the IdP")
    sign_in_through_contoso(chatgpt)
    user = User.objects.get(email=EMAIL)
    TeamMembership.objects.create(team=stale, user=user)
    TeamMembership.objects.create(team=admins_team, user=user)

    sign_in_through_contoso(chatgpt)
    assert set(user.teams.values_list("slug", flat=True)) == {"emea-sales", "admins-choice"}
    assert AuditEvent.objects.filter(target_id=str(user.pk), details__teams_removed=["apac-sales"]).exists()


def test_an_existing_local_account_with_the_same_email_is_not_taken_over(chatgpt, contoso):
    User.objects.create_user("uma-local", email=EMAIL, password="local-password")
    browser = requests.Session()
    login_page, _ = start(chatgpt, browser)
    page = upstream_sign_in(browser, follow(browser, post_form(browser, login_page, username=EMAIL)))
    assert page.status_code == 403
    assert "already exists" in unescape(page.text) and "allow linking" in unescape(page.text)
    assert not SocialAccount.objects.exists()
    assert AuditEvent.objects.filter(action="sign_in_failed", details__reason="email_in_use").exists()


def test_a_deactivated_user_cannot_get_back_in_through_the_idp(chatgpt, contoso):
    sign_in_through_contoso(chatgpt)
    User.objects.filter(email=EMAIL).update(is_active=False)

    browser = requests.Session()
    login_page, _ = start(chatgpt, browser)
    page = upstream_sign_in(browser, follow(browser, post_form(browser, login_page, username=EMAIL)))
    assert page.status_code == 403 and "disabled" in page.text


def test_a_wrong_client_secret_gets_a_page_that_names_the_cause_and_creates_nobody(chatgpt, contoso):
    IdentityProvider.objects.filter(pk=contoso.pk).update(client_secret="wrong")
    browser = requests.Session()
    login_page, _ = start(chatgpt, browser)
    page = upstream_sign_in(browser, follow(browser, post_form(browser, login_page, username=EMAIL)))
    assert page.status_code == 401 and "client secret" in page.text
    assert not User.objects.filter(email=EMAIL).exists()
    assert AuditEvent.objects.filter(action="sign_in_failed", details__reason="client_rejected").exists()


def test_an_answer_for_a_sign_in_started_elsewhere_is_refused(chatgpt, contoso):
    browser = requests.Session()
    login_page, _ = start(chatgpt, browser)
    upstream_page = follow(browser, post_form(browser, login_page, username=EMAIL))
    callback = post_form(browser, upstream_page, username=USER, password=PASSWORD)
    callback = follow(browser, callback, until=chatgpt.base_url)
    # The IdP's answer replayed in another browser (an attacker's, or after the session ended).
    page = requests.get(requests.compat.urljoin(callback.url, callback.headers["Location"]))
    assert page.status_code == 401 and "could not be matched" in page.text
    assert not User.objects.filter(email=EMAIL).exists()
    assert AuditEvent.objects.filter(action="sign_in_failed", details__reason="state_mismatch").exists()


def test_an_unreachable_idp_gets_a_page_not_a_500(chatgpt, contoso):
    from tests.servers import free_port

    IdentityProvider.objects.filter(pk=contoso.pk).update(issuer=f"http://127.0.0.1:{free_port()}")
    browser = requests.Session()
    login_page, _ = start(chatgpt, browser)
    page = follow(browser, post_form(browser, login_page, username=EMAIL))
    assert page.status_code == 502 and "did not answer" in page.text
    assert AuditEvent.objects.filter(action="sign_in_failed", details__reason="unreachable").exists()


def test_a_local_password_is_refused_where_the_admin_made_the_idp_mandatory(chatgpt, contoso):
    IdentityProvider.objects.filter(pk=contoso.pk).update(forbid_local_passwords=True)
    User.objects.create_user("carl", email="carl@contoso.test", password="local-password")
    browser = requests.Session()
    login_page, _ = start(chatgpt, browser)
    page = post_form(browser, login_page, username="carl", password="local-password")
    assert page.status_code == 200 and "Your company signs you in with Contoso" in unescape(page.text)
    assert browser.get(f"{chatgpt.base_url}/accounts/apps/", allow_redirects=False).status_code == 302


def test_a_refresh_after_the_idps_max_age_sends_the_user_back_to_the_idp(chatgpt, contoso):
    params = sign_in_through_contoso(chatgpt)
    chatgpt.tokens = chatgpt.token_request(
        {"grant_type": "authorization_code", "code": params["code"], "redirect_uri": chatgpt.callback}
    ).json()
    assert chatgpt.refresh().status_code == 200
    SocialAccount.objects.update(last_login=timezone.now() - contoso.sign_in_max_age - dt.timedelta(minutes=1))
    response = chatgpt.refresh()
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
