"""The GPT sign-in flow of DESIGN §3, end to end over HTTP, for every demo user."""

import jwt
import pytest

from actions_api.models import Customer, Document, Order
from roles.models import Role, RoleAssignment
from tests.chatgpt import ChatGPT

pytestmark = pytest.mark.django_db(transaction=True)

# username -> endpoint -> rows expected (computed independently of the API's own filtering)
EXPECTED_ACCESS = {
    "alice": {
        "/api/v1/orders": lambda: Order.objects.filter(region="EMEA"),
        "/api/v1/customers": lambda: Customer.objects.filter(region="EMEA"),
        "/api/v1/documents": None,
    },
    "bob": {
        "/api/v1/orders": lambda: Order.objects.filter(region="AMER"),
        "/api/v1/customers": lambda: Customer.objects.filter(region="AMER"),
        "/api/v1/documents": None,
    },
    "carol": {"/api/v1/orders": lambda: Order.objects.all(), "/api/v1/customers": None, "/api/v1/documents": None},
    "erin": {
        "/api/v1/documents": lambda: Document.objects.filter(department="HR"),
        "/api/v1/orders": None,
        "/api/v1/customers": None,
    },
    "dave": {"/api/v1/orders": None, "/api/v1/customers": None, "/api/v1/documents": None},
}


@pytest.mark.parametrize("exchange", ["post", "basic"])
@pytest.mark.parametrize("username", sorted(EXPECTED_ACCESS))
def test_each_demo_user_signs_in_through_chatgpt_and_sees_exactly_their_rows(live_demo, username, exchange):
    chatgpt = ChatGPT(live_demo.url, exchange=exchange)
    tokens = chatgpt.sign_in(username)

    assert tokens["token_type"] == "Bearer"
    assert isinstance(tokens["expires_in"], int) and tokens["refresh_token"]
    me = chatgpt.call("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["preferred_username"] == username

    for path, expected in EXPECTED_ACCESS[username].items():
        if expected is None:
            assert chatgpt.call(path).status_code == 403, path
            continue
        rows = chatgpt.all_rows(path)
        assert rows, f"{username} should see some rows of {path}"
        assert {row["id"] for row in rows} == set(expected().values_list("id", flat=True)), path


def test_the_access_token_carries_the_claims_of_design_section_4(chatgpt, live_demo):
    tokens = chatgpt.sign_in("alice")
    header = jwt.get_unverified_header(tokens["access_token"])
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})

    assert header["typ"] == "at+jwt" and header["alg"] == "RS256" and header["kid"]
    assert claims["aud"] == "http://127.0.0.1:8000/api"
    assert claims["client_id"] == "demo-gpt"
    assert claims["roles"] == ["sales-emea"]
    assert claims["permissions"] == ["customers.read", "orders.read"]
    assert claims["data_scopes"] == {"region": ["EMEA"]}
    assert set(claims["scope"].split()) == {"openid", "profile", "api"}
    assert all(isinstance(claims[name], int) for name in ("exp", "iat", "nbf"))


def test_a_role_granted_in_the_database_reaches_the_token_at_the_next_refresh(chatgpt):
    chatgpt.sign_in("dave")
    assert chatgpt.call("/api/v1/orders").status_code == 403

    RoleAssignment.objects.create(
        user_id=int(chatgpt.call("/api/v1/me").json()["sub"]), role=Role.objects.get(slug="finance")
    )
    assert chatgpt.refresh().status_code == 200

    assert chatgpt.call("/api/v1/me").json()["roles"] == ["finance"]
    assert len(chatgpt.all_rows("/api/v1/orders")) == Order.objects.count()


def test_refresh_tokens_rotate_and_a_used_one_is_refused(chatgpt):
    chatgpt.sign_in("alice")
    first_refresh_token = chatgpt.tokens["refresh_token"]

    assert chatgpt.refresh().status_code == 200
    assert chatgpt.tokens["refresh_token"] != first_refresh_token

    replay = chatgpt.token_request({"grant_type": "refresh_token", "refresh_token": first_refresh_token})
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"


def test_an_authorization_code_works_once(chatgpt):
    params = chatgpt.authorize("alice", "rolegate-demo")
    exchange = {"grant_type": "authorization_code", "code": params["code"], "redirect_uri": chatgpt.callback}

    assert chatgpt.token_request(exchange).status_code == 200
    second = chatgpt.token_request(exchange)
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"


def test_a_wrong_client_secret_gets_invalid_client(chatgpt):
    params = chatgpt.authorize("alice", "rolegate-demo")
    chatgpt.client_secret = "not-the-secret"
    response = chatgpt.token_request(
        {"grant_type": "authorization_code", "code": params["code"], "redirect_uri": chatgpt.callback}
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


@pytest.mark.parametrize("scope", ["", "openid profile api", "api"])
def test_scope_may_be_empty_or_explicit(live_demo, scope):
    tokens = ChatGPT(live_demo.url).sign_in("alice", scope=scope)
    granted = set(tokens["scope"].split())
    assert granted == ({"openid", "profile", "api"} if not scope else set(scope.split()))


def test_the_older_chat_openai_com_callback_is_accepted(live_demo):
    chatgpt = ChatGPT(live_demo.url, callback="https://chat.openai.com/aip/g-Older99/oauth/callback")
    assert chatgpt.sign_in("bob")["access_token"]


@pytest.mark.parametrize(
    "callback",
    [
        "https://evil.example/aip/g-Demo1234/oauth/callback",
        "https://chatgpt.com/aip/g-Demo1234/oauth/callback/../../evil",
        "https://chatgpt.com/aip/g-Demo1234/oauth/callback?next=https://evil.example",
        "http://chatgpt.com/aip/g-Demo1234/oauth/callback",
        "https://chatgpt.com.evil.example/aip/g-Demo1234/oauth/callback",
    ],
)
def test_a_callback_outside_the_chatgpt_pattern_is_refused_without_redirecting(chatgpt, callback):
    browser = chatgpt.signed_in_browser("alice")
    chatgpt.callback = callback

    response = browser.get(chatgpt.authorization_url(), allow_redirects=False)

    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "redirect" in response.text.lower()


def test_the_token_response_is_not_cached(chatgpt):
    params = chatgpt.authorize("alice", "rolegate-demo")
    response = chatgpt.token_request(
        {"grant_type": "authorization_code", "code": params["code"], "redirect_uri": chatgpt.callback}
    )
    assert response.headers["Cache-Control"] == "no-store"
