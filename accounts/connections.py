"""
What a GPT builder pastes into the GPT editor for a connection, named as the editor names it.

One source for the admin's connection page and `manage.py connect_gpt`, so both always say
the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.redirects import CHATGPT_CALLBACK, ChatGPTCallbacks
from roles.conf import absolute_url

TOKEN_EXCHANGE_METHOD = "Default (POST request)"


@dataclass(frozen=True)
class EditorValue:
    key: str  # stable name for --json
    label: str  # the GPT editor's own label
    value: str
    hint: str = ""
    secret: bool = False


def schema_url() -> str:
    return absolute_url("schema")


def callback_policy(connection) -> str:
    """In plain words, which ChatGPT callback URLs this connection accepts."""
    exact = connection.redirect_uris.split()
    if connection.chatgpt_callbacks == ChatGPTCallbacks.ANY_GPT:
        policy = "Any GPT's callback (https://chatgpt.com/aip/g-…/oauth/callback, also chat.openai.com)"
    elif connection.chatgpt_callbacks == ChatGPTCallbacks.PINNED:
        policy = "Callbacks of these GPTs only: " + ", ".join(connection.pinned_gpt_ids.split())
    else:
        policy = ""
    if exact:
        policy = (policy + "; and exactly: " if policy else "Exactly: ") + ", ".join(exact)
    return policy or "None yet: paste the callback URL ChatGPT shows, or choose 'Any GPT'."


def gpt_editor_values(connection, *, client_secret: str | None = None) -> list[EditorValue]:
    """
    The GPT editor's OAuth fields for `connection`, in the editor's order.

    The client secret is stored hashed, so it is known only right after it was generated
    (`client_secret`); otherwise the value says so.
    """
    return [
        EditorValue("client_id", "Client ID", connection.client_id),
        EditorValue(
            "client_secret",
            "Client Secret",
            client_secret or "",
            hint="Shown only once, right after it is generated; stored hashed. Generate a new one if lost.",
            secret=True,
        ),
        EditorValue("authorization_url", "Authorization URL", absolute_url("oauth2_provider:authorize")),
        EditorValue("token_url", "Token URL", absolute_url("oauth2_provider:token")),
        EditorValue("scope", "Scope", connection.default_scopes, hint="Leaving it empty means the same."),
        EditorValue(
            "token_exchange_method",
            "Token Exchange Method",
            TOKEN_EXCHANGE_METHOD,
            hint="'Basic authorization header' works too.",
        ),
        EditorValue("schema_url", "Schema: Import from URL", schema_url(), hint="Actions → Create new action."),
    ]


def refused_callback_help(*, connection, client_id: str, redirect_uri: str) -> dict:
    """
    For the authorize error page: the callback URL received, what the connection accepts,
    and how an administrator allows it. The page shows the URL; it never links or redirects to it.
    """
    chatgpt_id = CHATGPT_CALLBACK.fullmatch(redirect_uri)
    if not client_id:
        fix = (
            "The sign-in link is incomplete (it carries no Client ID); it may have expired. Go back to the "
            "app, for example your GPT in ChatGPT, and choose Sign in again."
        )
    elif connection is None:
        fix = (
            "No connection has this Client ID. In the GPT editor, compare the Client ID with the one "
            "on the connection's page in the portal's admin (GPT connections)."
        )
    elif chatgpt_id:
        fix = (
            f"An administrator opens Admin → GPT connections → “{connection.name}” and either chooses "
            f"“Any GPT”, adds {chatgpt_id['gpt_id']} under pinned GPT ids, or pastes this exact URL under "
            "Exact callback URLs."
        )
    else:
        fix = (
            f"This is not a ChatGPT callback URL (https://chatgpt.com/aip/g-…/oauth/callback), so only "
            f"pasting it exactly under Exact callback URLs of “{connection.name}” in the admin allows it."
        )
    return {
        "received_redirect_uri": redirect_uri,
        "accepted_callbacks": callback_policy(connection) if connection else "",
        "fix": fix,
    }
