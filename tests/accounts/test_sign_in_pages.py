"""The end user's pages: clear errors, consent in plain words, trusted connections, no external assets."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from oauth2_provider.models import get_application_model

from accounts.models import User

pytestmark = pytest.mark.django_db

CALLBACK = "https://chatgpt.com/aip/g-Pages1/oauth/callback"
AUTHORIZE = {"response_type": "code", "client_id": "demo-gpt", "redirect_uri": CALLBACK, "state": "s1", "scope": ""}


def authorize_url(client) -> str:
    return client.get("/o/authorize/", AUTHORIZE)["Location"]


def test_the_sign_in_page_names_the_gpt_the_user_is_signing_into(client, demo):
    page = client.get(authorize_url(client))
    assert "Sign in to continue to Demo GPT" in page.content.decode()


def test_a_wrong_password_gets_a_clear_message_that_reveals_nothing_else(client, demo):
    page = client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    assert page.status_code == 200
    assert "That username and password do not match" in page.content.decode()


def test_a_disabled_account_is_told_so_only_after_the_right_password(client, demo):
    get_user_model().objects.filter(username="erin").update(is_active=False)

    right = client.post("/accounts/login/", {"username": "erin", "password": "rolegate-demo"}).content.decode()
    wrong = client.post("/accounts/login/", {"username": "erin", "password": "wrong"}).content.decode()
    assert "This account is disabled" in right and "_auth_user_id" not in client.session
    assert "This account is disabled" not in wrong and "do not match" in wrong


def test_an_expired_sign_in_page_says_so_instead_of_a_bare_403(demo):
    client = Client(enforce_csrf_checks=True)
    page = client.post("/accounts/login/", {"username": "alice", "password": "rolegate-demo"})
    assert page.status_code == 403
    assert "This page expired" in page.content.decode() and 'href="/accounts/login/"' in page.content.decode()


def test_the_consent_page_names_the_gpt_and_lists_what_it_will_see_in_plain_words(client, demo):
    client.force_login(User.objects.get(username="alice"))
    page = client.get("/o/authorize/", AUTHORIZE).content.decode()
    assert "Demo GPT</strong> wants to use your account" in page
    for words in (
        "Sales EMEA",
        "List and read customers",
        "List and read orders, amounts included",
        "Only rows with Region: EMEA",
        "Read business data that your roles allow",
    ):
        assert words in page, words


def test_a_user_without_roles_is_told_the_gpt_will_see_no_business_data(client, demo):
    client.force_login(User.objects.get(username="dave"))
    assert "You hold no roles yet" in client.get("/o/authorize/", AUTHORIZE).content.decode()


def test_a_trusted_connection_skips_the_consent_page(client, demo):
    get_application_model().objects.filter(client_id="demo-gpt").update(skip_authorization=True)
    client.force_login(User.objects.get(username="alice"))
    response = client.get("/o/authorize/", AUTHORIZE)
    assert response.status_code == 302
    assert response["Location"].startswith(CALLBACK + "?") and "code=" in response["Location"]


@pytest.mark.parametrize("path", ["/accounts/login/", "/o/authorize/", "/accounts/apps/", "/accounts/logout/"])
def test_end_user_pages_load_nothing_from_another_host(client, demo, path):
    client.force_login(User.objects.get(username="alice"))
    page = client.get(path, AUTHORIZE if path == "/o/authorize/" else {}).content.decode()
    assert not re.search(r'(src|href)="(https?:)?//', page), "every asset must be served by the portal"
