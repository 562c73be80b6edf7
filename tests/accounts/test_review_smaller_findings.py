"""The review's smaller findings: the logout confirmation, the sign-in page's warning, response modes."""

import json
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from accounts.models import Application, User

pytestmark = pytest.mark.django_db
GPT_CALLBACK = "https://chatgpt.com/aip/g-small1/oauth/callback"
CLAUDE_CALLBACK = "https://claude.ai/api/mcp/auth_callback"


def test_get_on_logout_shows_the_confirmation_and_only_post_signs_out(client, demo):
    client.force_login(User.objects.get(username="alice"))

    page = client.get("/accounts/logout/")

    assert page.status_code == 200 and "Sign out?" in page.content.decode()
    assert "_auth_user_id" in client.session
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_sign_in_page_warns_that_a_self_registered_client_chose_its_name(client):
    registered = client.post(
        "/o/register/",
        json.dumps(
            {
                "client_name": "Your IT Department",
                "redirect_uris": [CLAUDE_CALLBACK],
                "token_endpoint_auth_method": "none",
                "grant_types": ["authorization_code"],
                "response_types": ["code"],
            }
        ),
        content_type="application/json",
    )
    authorize = "/o/authorize/?" + urlencode(
        {
            "response_type": "code",
            "client_id": registered.json()["client_id"],
            "redirect_uri": CLAUDE_CALLBACK,
            "code_challenge": "c" * 43,
            "code_challenge_method": "S256",
        }
    )

    page = client.get("/accounts/login/", {"next": authorize}).content.decode()

    assert "Sign in to continue to Your IT Department" in page
    assert "registered itself" in page and "<strong>claude.ai</strong>" in page


def test_the_sign_in_page_of_an_admin_made_connection_has_no_such_warning(client, demo):
    authorize = "/o/authorize/?" + urlencode(
        {"response_type": "code", "client_id": "demo-gpt", "redirect_uri": GPT_CALLBACK}
    )
    page = client.get("/accounts/login/", {"next": authorize}).content.decode()

    assert "Demo GPT" in page and "registered itself" not in page


@pytest.mark.parametrize("mode", ["fragment", "form_post", "jwt", "query.jwt"])
def test_response_modes_other_than_query_are_refused_with_an_oauth_error(client, demo, mode):
    client.force_login(User.objects.get(username="alice"))
    Application.objects.filter(client_id="demo-gpt").update(skip_authorization=True)

    response = client.get(
        "/o/authorize/",
        {
            "response_type": "code",
            "client_id": "demo-gpt",
            "state": "st",
            "redirect_uri": GPT_CALLBACK,
            "response_mode": mode,
        },
    )

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert not location.fragment
    params = parse_qs(location.query)
    assert params["error"] == ["invalid_request"] and params["state"] == ["st"] and "code" not in params


def test_discovery_advertises_only_the_query_response_mode(client):
    assert client.get("/.well-known/openid-configuration").json()["response_modes_supported"] == ["query"]
