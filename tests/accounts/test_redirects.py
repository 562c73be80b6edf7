"""Only ChatGPT's own callback URLs get the pattern treatment; everything else matches exactly."""

import pytest

from accounts.redirects import ChatGPTCallbacks
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db

ACCEPTED = [
    "https://chatgpt.com/aip/g-abc123/oauth/callback",
    "https://chat.openai.com/aip/g-0a1B2c3D/oauth/callback",
]
REFUSED = [
    "https://chatgpt.com/aip/g-abc123/oauth/callback/",
    "https://chatgpt.com/aip/g-abc123/oauth/callback?x=1",
    "https://chatgpt.com/aip/g-abc123/oauth/callback#frag",
    "https://chatgpt.com/aip/g-abc123/oauth/callback/../../../evil",
    "https://chatgpt.com/aip/g-abc/123/oauth/callback",
    "https://chatgpt.com/aip/abc123/oauth/callback",
    "https://chatgpt.com:8443/aip/g-abc123/oauth/callback",
    "https://evil.chatgpt.com/aip/g-abc123/oauth/callback",
    "https://chatgpt.com.evil.example/aip/g-abc123/oauth/callback",
    "https://user@chatgpt.com/aip/g-abc123/oauth/callback",
    "http://chatgpt.com/aip/g-abc123/oauth/callback",
    "https://CHATGPT.com/aip/g-abc123/oauth/callback",
    "https://chatgpt.com/aip/g-abc123/oauth/callback\n",
    "https://openai.com/aip/g-abc123/oauth/callback",
]


@pytest.mark.parametrize("uri", ACCEPTED)
def test_any_gpt_mode_accepts_chatgpt_callbacks(uri):
    assert ConnectionFactory.build(chatgpt_callbacks=ChatGPTCallbacks.ANY_GPT).redirect_uri_allowed(uri)


@pytest.mark.parametrize("uri", REFUSED)
def test_any_gpt_mode_refuses_everything_else(uri):
    assert not ConnectionFactory.build(chatgpt_callbacks=ChatGPTCallbacks.ANY_GPT).redirect_uri_allowed(uri)


def test_pinned_mode_accepts_only_the_listed_gpts():
    connection = ConnectionFactory.build(chatgpt_callbacks=ChatGPTCallbacks.PINNED, pinned_gpt_ids="g-abc123")
    assert connection.redirect_uri_allowed("https://chatgpt.com/aip/g-abc123/oauth/callback")
    assert not connection.redirect_uri_allowed("https://chatgpt.com/aip/g-other/oauth/callback")


def test_exact_mode_accepts_only_registered_uris():
    connection = ConnectionFactory.build(redirect_uris="https://app.example.test/callback")
    assert connection.redirect_uri_allowed("https://app.example.test/callback")
    assert not connection.redirect_uri_allowed(ACCEPTED[0])
    assert not connection.redirect_uri_allowed("https://app.example.test/callback/extra")


def test_a_pattern_connection_needs_no_registered_uri_but_pinned_mode_needs_ids():
    ConnectionFactory.build(chatgpt_callbacks=ChatGPTCallbacks.ANY_GPT, redirect_uris="").full_clean(
        exclude=["user", "client_secret"]
    )
    with pytest.raises(Exception, match="GPT id"):
        ConnectionFactory.build(chatgpt_callbacks=ChatGPTCallbacks.PINNED, redirect_uris="").full_clean(
            exclude=["user", "client_secret"]
        )
