"""ChatGPT callback URLs: accepted by pattern or exactly, and nothing looser; refusals explain themselves."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import User
from accounts.redirects import ChatGPTCallbacks
from tests.factories import ConnectionFactory

ACCEPTED = [
    "https://chatgpt.com/aip/g-abc123/oauth/callback",
    "https://chat.openai.com/aip/g-abc123/oauth/callback",
    "https://chatgpt.com/aip/g-A_b-9/oauth/callback",
]
REFUSED = [
    "http://chatgpt.com/aip/g-abc123/oauth/callback",  # not https
    "https://evil.example/aip/g-abc123/oauth/callback",  # another host
    "https://chatgpt.com.evil.example/aip/g-abc123/oauth/callback",  # a host that merely starts alike
    "https://evil.example/?https://chatgpt.com/aip/g-abc123/oauth/callback",
    "https://user@chatgpt.com/aip/g-abc123/oauth/callback",  # userinfo
    "https://chatgpt.com:8443/aip/g-abc123/oauth/callback",  # another port
    "https://chatgpt.com/aip/g-abc123/oauth/callback/",  # another path
    "https://chatgpt.com/aip/g-abc123/oauth/callback/../../../evil",
    "https://chatgpt.com/aip/g-abc123/oauth/callback?next=https://evil.example",  # a query
    "https://chatgpt.com/aip/g-abc123/oauth/callback#frag",  # a fragment
    "https://chatgpt.com/aip/abc123/oauth/callback",  # not a GPT id
    "https://chatgpt.com/aip/g-abc%2F..%2Fx/oauth/callback",
    "https://chatgpt.com/aip/g-/oauth/callback",
    "https://CHATGPT.com/aip/g-abc123/oauth/callback",
]


@pytest.mark.django_db
@pytest.mark.parametrize("uri", ACCEPTED)
def test_any_gpt_accepts_chatgpt_callbacks_of_any_gpt_id(uri):
    connection = ConnectionFactory(chatgpt_callbacks=ChatGPTCallbacks.ANY_GPT, redirect_uris="")
    assert connection.redirect_uri_allowed(uri)


@pytest.mark.django_db
@pytest.mark.parametrize("uri", REFUSED)
def test_any_gpt_refuses_everything_but_the_exact_chatgpt_callback_shape(uri):
    connection = ConnectionFactory(chatgpt_callbacks=ChatGPTCallbacks.ANY_GPT, redirect_uris="")
    assert not connection.redirect_uri_allowed(uri)


@pytest.mark.django_db
def test_listed_gpts_only_accepts_just_the_pinned_ids_on_both_hosts():
    connection = ConnectionFactory(
        chatgpt_callbacks=ChatGPTCallbacks.PINNED, pinned_gpt_ids="g-one g-two", redirect_uris=""
    )
    assert connection.redirect_uri_allowed("https://chatgpt.com/aip/g-one/oauth/callback")
    assert connection.redirect_uri_allowed("https://chat.openai.com/aip/g-two/oauth/callback")
    assert not connection.redirect_uri_allowed("https://chatgpt.com/aip/g-three/oauth/callback")
    assert not connection.redirect_uri_allowed("https://chatgpt.com/aip/g-on/oauth/callback")


@pytest.mark.django_db
def test_exact_mode_accepts_only_the_registered_callback():
    connection = ConnectionFactory(redirect_uris="https://chatgpt.com/aip/g-one/oauth/callback")
    assert connection.redirect_uri_allowed("https://chatgpt.com/aip/g-one/oauth/callback")
    assert not connection.redirect_uri_allowed("https://chatgpt.com/aip/g-two/oauth/callback")


@pytest.mark.django_db
def test_pasting_a_whole_callback_url_as_a_pinned_id_keeps_its_gpt_id():
    connection = ConnectionFactory.build(
        chatgpt_callbacks=ChatGPTCallbacks.PINNED,
        redirect_uris="",
        pinned_gpt_ids="https://chatgpt.com/aip/g-Sales1/oauth/callback g-Sales1 g-Ops2",
    )
    connection.full_clean()
    assert connection.pinned_gpt_ids == "g-Sales1 g-Ops2"


@pytest.mark.django_db
def test_a_callback_pattern_stands_in_for_redirect_uris_while_dots_other_checks_still_apply():
    connection = ConnectionFactory.build(chatgpt_callbacks=ChatGPTCallbacks.ANY_GPT, redirect_uris="")
    connection.full_clean(exclude=["client_secret"])
    assert connection.authorization_grant_type == "authorization-code"

    connection.algorithm, connection.client_type = "HS256", "public"
    with pytest.raises(ValidationError) as refused:
        connection.full_clean(exclude=["client_secret"])
    assert "algorithm" in refused.value.message_dict and "redirect_uris" not in refused.value.message_dict
    assert connection.authorization_grant_type == "authorization-code"


@pytest.mark.django_db
@pytest.mark.parametrize("entry", ["https://evil.example/aip/g-x/oauth/callback", "Sales1", "g-a/b"])
def test_a_pinned_entry_that_is_no_gpt_id_is_refused_with_an_example(entry):
    connection = ConnectionFactory.build(
        chatgpt_callbacks=ChatGPTCallbacks.PINNED, redirect_uris="", pinned_gpt_ids=entry
    )
    with pytest.raises(ValidationError, match="looks like g-AbC123"):
        connection.full_clean()


@pytest.mark.django_db
def test_a_refused_callback_page_names_the_url_received_and_how_to_allow_it_without_redirecting(client, demo):
    client.force_login(User.objects.get(username="alice"))
    received = "https://evil.example/aip/g-x/oauth/callback?<b>x</b>"
    response = client.get(
        "/o/authorize/",
        {"response_type": "code", "client_id": "demo-gpt", "redirect_uri": received, "state": "s"},
        HTTP_HOST="127.0.0.1",
    )
    content = response.content.decode()

    assert response.status_code == 400 and "Location" not in response
    assert "https://evil.example/aip/g-x/oauth/callback?&lt;b&gt;x&lt;/b&gt;" in content  # shown, escaped
    assert 'href="https://evil.example' not in content
    assert "Demo GPT" in content and "Any GPT" in content
    assert "Exact callback URLs" in content


@pytest.mark.django_db
def test_a_chatgpt_callback_of_an_unpinned_gpt_says_which_id_to_add(client, demo):
    from oauth2_provider.models import get_application_model

    get_application_model().objects.filter(client_id="demo-gpt").update(
        chatgpt_callbacks=ChatGPTCallbacks.PINNED, pinned_gpt_ids="g-Old1"
    )
    client.force_login(User.objects.get(username="alice"))
    response = client.get(
        "/o/authorize/",
        {
            "response_type": "code",
            "client_id": "demo-gpt",
            "redirect_uri": "https://chatgpt.com/aip/g-New2/oauth/callback",
        },
        HTTP_HOST="127.0.0.1",
    )
    content = response.content.decode()
    assert response.status_code == 400
    assert "g-New2" in content and "Callbacks of these GPTs only: g-Old1" in content


@pytest.mark.django_db
def test_an_unknown_client_id_is_named_on_the_error_page(client, demo):
    client.force_login(User.objects.get(username="alice"))
    response = client.get(
        "/o/authorize/",
        {
            "response_type": "code",
            "client_id": "no-such-gpt",
            "redirect_uri": "https://chatgpt.com/aip/g-a/oauth/callback",
        },
        HTTP_HOST="127.0.0.1",
    )
    content = response.content.decode()
    assert response.status_code == 400
    assert "no-such-gpt" in content and "No connection has this Client ID" in content


@pytest.mark.django_db
def test_a_refused_callback_is_explained_before_sign_in_while_a_good_one_goes_to_sign_in(client, demo):
    params = {"response_type": "code", "client_id": "demo-gpt", "state": "s"}
    refused = client.get("/o/authorize/", {**params, "redirect_uri": "https://evil.example/cb"}, HTTP_HOST="127.0.0.1")
    accepted = client.get("/o/authorize/", {**params, "redirect_uri": ACCEPTED[0]}, HTTP_HOST="127.0.0.1")

    assert refused.status_code == 400 and "https://evil.example/cb" in refused.content.decode()
    assert accepted.status_code == 302 and accepted["Location"].startswith("/accounts/login/?next=")


@pytest.mark.django_db
def test_a_sign_in_link_without_its_parameters_tells_the_user_to_start_again(client, demo):
    client.force_login(User.objects.get(username="alice"))
    response = client.get("/o/authorize/")
    assert response.status_code == 400
    assert "choose Sign in again" in response.content.decode()
