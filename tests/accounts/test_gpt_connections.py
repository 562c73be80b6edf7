"""A builder connects a GPT from the admin or `manage.py connect_gpt`, using only what the portal shows."""

import html
import json
import re
from io import StringIO

import pytest
import requests
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from oauth2_provider.models import get_application_model

from accounts.models import GptConnection
from accounts.redirects import ChatGPTCallbacks
from tests.chatgpt import ChatGPT, form_fields

Application = get_application_model()
EDITOR_KEYS = {
    "client_id",
    "client_secret",
    "authorization_url",
    "token_url",
    "scope",
    "token_exchange_method",
    "schema_url",
}


def editor_values(page_html: str) -> dict[str, str]:
    """The values the connection page shows (each in the element its Copy button copies)."""
    return {key: html.unescape(value) for key, value in re.findall(r'<code id="gpt-(\w+)">([^<]*)</code>', page_html)}


@pytest.mark.django_db
def test_connect_gpt_json_prints_every_value_for_the_gpt_editor_and_the_secret_works():
    out = StringIO()
    call_command("connect_gpt", "--name", "Sales GPT", "--json", stdout=out)
    printed = json.loads(out.getvalue())

    assert EDITOR_KEYS <= set(printed)
    connection = Application.objects.get(client_id=printed["client_id"])
    assert connection.name == "Sales GPT"
    assert check_password(printed["client_secret"], connection.client_secret), "secret stored hashed"
    assert printed["authorization_url"] == "http://127.0.0.1:8000/o/authorize/"
    assert printed["token_url"] == "http://127.0.0.1:8000/o/token/"
    assert printed["schema_url"] == "http://127.0.0.1:8000/api/schema/"
    assert printed["scope"] == "openid profile api"
    assert printed["token_exchange_method"] == "Default (POST request)"
    assert connection.redirect_uri_allowed("https://chatgpt.com/aip/g-AnyGpt9/oauth/callback")
    assert not connection.require_pkce and connection.client_type == Application.CLIENT_CONFIDENTIAL


@pytest.mark.django_db
def test_connect_gpt_text_output_names_each_field_as_the_gpt_editor_does():
    out = StringIO()
    call_command("connect_gpt", "--name", "Support GPT", stdout=out)
    for label in (
        "Client ID:",
        "Client Secret:",
        "Authorization URL:",
        "Token URL:",
        "Scope:",
        "Token Exchange Method:",
        "Import from URL:",
    ):
        assert label in out.getvalue()


@pytest.mark.django_db
def test_connect_gpt_with_a_callback_accepts_exactly_that_url():
    out = StringIO()
    callback = "https://chatgpt.com/aip/g-Pinned1/oauth/callback"
    call_command("connect_gpt", "--name", "Pinned GPT", "--callback", callback, "--json", stdout=out)
    connection = Application.objects.get(client_id=json.loads(out.getvalue())["client_id"])

    assert connection.chatgpt_callbacks == ChatGPTCallbacks.EXACT
    assert connection.redirect_uri_allowed(callback)
    assert not connection.redirect_uri_allowed("https://chatgpt.com/aip/g-Other2/oauth/callback")


@pytest.mark.django_db
def test_connect_gpt_refuses_a_callback_that_is_not_a_url_and_says_why():
    with pytest.raises(CommandError, match="not created.*redirect_uris"):
        call_command("connect_gpt", "--name", "Broken", "--callback", "ftp://example.test/cb")
    assert not Application.objects.filter(name="Broken").exists()


def admin_session(base_url: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base_url}/admin/login/")
    response = session.post(
        page.url,
        data={**form_fields(page.text), "username": "admin", "password": "rolegate-admin"},
        allow_redirects=False,
    )
    assert response.status_code == 302
    return session


def create_connection_in_admin(session: requests.Session, base_url: str, name: str) -> requests.Response:
    """Submits the add form as a browser would with only the name typed in (the other fields' defaults)."""
    page = session.get(f"{base_url}/admin/accounts/gptconnection/add/")
    assert 'option value="any" selected' in page.text and 'value="openid profile api"' in page.text
    fields = {
        "csrfmiddlewaretoken": session.cookies["csrftoken"],
        "name": name,
        "chatgpt_callbacks": "any",
        "pinned_gpt_ids": "",
        "redirect_uris": "",
        "default_scopes": "openid profile api",
        "_save": "Save",
    }
    return session.post(page.url, data=fields)


@pytest.mark.parametrize("exchange", ["post", "basic"])
def test_following_only_the_connection_page_a_chatgpt_like_client_signs_in_and_calls_the_api(
    live_demo, rolegate, exchange
):
    # The portal as deployed at the live server's address: every URL it shows must work as shown.
    rolegate(PORTAL_BASE_URL=live_demo.url, API_AUDIENCE=f"{live_demo.url}/api")
    session = admin_session(live_demo.url)
    page = create_connection_in_admin(session, live_demo.url, "Sales GPT")
    assert page.status_code == 200 and "Connect your GPT in five steps" in page.text
    values = editor_values(page.text)
    assert EDITOR_KEYS - {"token_exchange_method"} <= set(values)

    # The GPT editor imports the schema from the URL shown, and reads the OAuth URLs and server from it.
    schema = requests.get(values["schema_url"], headers={"Accept": "application/json"}).json()
    flow = schema["components"]["securitySchemes"]["oauth2"]["flows"]["authorizationCode"]
    assert (flow["authorizationUrl"], flow["tokenUrl"]) == (values["authorization_url"], values["token_url"])
    server = schema["servers"][0]["url"]

    chatgpt = ChatGPT(
        server,
        client_id=values["client_id"],
        client_secret=values["client_secret"],
        exchange=exchange,
        callback="https://chatgpt.com/aip/g-NewGpt77/oauth/callback",
        authorization_endpoint=values["authorization_url"],
        token_endpoint=values["token_url"],
    )
    tokens = chatgpt.authorize("alice", "rolegate-demo", scope=values["scope"])
    response = chatgpt.token_request(
        {"grant_type": "authorization_code", "code": tokens["code"], "redirect_uri": chatgpt.callback}
    )
    assert response.status_code == 200, response.text
    chatgpt.tokens = response.json()
    me_path = next(path for path, item in schema["paths"].items() if item["get"]["operationId"] == "getMe")
    me = chatgpt.call(me_path)
    assert me.status_code == 200
    assert me.json()["client_id"] == values["client_id"] and me.json()["roles"] == ["sales-emea"]


@pytest.mark.django_db
def test_the_client_secret_is_shown_once_and_a_new_one_replaces_it(admin_client):
    response = admin_client.post(
        "/admin/accounts/gptconnection/add/",
        {"name": "Ops GPT", "chatgpt_callbacks": "any", "default_scopes": "openid profile api", "_save": "Save"},
        follow=True,
        HTTP_HOST="127.0.0.1",
    )
    first = editor_values(response.content.decode())["client_secret"]
    connection = Application.objects.get(name="Ops GPT")
    assert check_password(first, connection.client_secret)

    again = admin_client.get(f"/admin/accounts/gptconnection/{connection.pk}/change/", HTTP_HOST="127.0.0.1")
    assert "client_secret" not in editor_values(again.content.decode())
    assert "Generate a new secret" in again.content.decode()

    rotated = admin_client.post(
        f"/admin/accounts/gptconnection/{connection.pk}/new-secret/", follow=True, HTTP_HOST="127.0.0.1"
    )
    second = editor_values(rotated.content.decode())["client_secret"]
    connection.refresh_from_db()
    assert second != first
    assert check_password(second, connection.client_secret) and not check_password(first, connection.client_secret)


@pytest.mark.django_db
def test_the_admin_refuses_an_exact_connection_without_a_callback_url(admin_client):
    response = admin_client.post(
        "/admin/accounts/gptconnection/add/",
        {"name": "No callback", "chatgpt_callbacks": "exact", "default_scopes": "openid profile api", "_save": "Save"},
        HTTP_HOST="127.0.0.1",
    )
    assert response.status_code == 200
    assert "Paste the callback URL ChatGPT shows" in response.content.decode()
    assert not Application.objects.filter(name="No callback").exists()


@pytest.mark.django_db
def test_the_oauth_connection_change_form_exposes_rolegates_connection_settings(admin_client, connection):
    page = admin_client.get(f"/admin/accounts/application/{connection.pk}/change/", HTTP_HOST="127.0.0.1")
    content = page.content.decode()
    for field in ("chatgpt_callbacks", "pinned_gpt_ids", "require_pkce", "default_scopes", "skip_authorization"):
        assert f'name="{field}"' in content, field
    assert "Trusted (skip the consent page)" in content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("mode", "step"),
    [
        ("any", "nothing to do"),
        ("pinned", "under <em>Pinned GPT ids</em>"),
        ("exact", "under <em>Exact callback URLs</em>"),
    ],
)
def test_the_connection_page_says_what_to_do_with_chatgpts_callback_url_for_its_mode(admin_client, mode, step):
    connection = GptConnection.objects.create(
        name="Mode GPT",
        client_type="confidential",
        authorization_grant_type="authorization-code",
        chatgpt_callbacks=mode,
        pinned_gpt_ids="g-One1",
        redirect_uris="https://chatgpt.com/aip/g-One1/oauth/callback",
    )
    page = admin_client.get(f"/admin/accounts/gptconnection/{connection.pk}/change/").content.decode()
    assert step in page
