"""Which redirect URIs a connection accepts beyond its exact registered ones."""

from __future__ import annotations

import re

from django.db import models

#: A GPT's id as it appears in its callback URL.
GPT_ID = re.compile(r"g-[A-Za-z0-9_-]{1,64}")
#: ChatGPT's GPT Action callback. The whole URL must match: host, path, no query or fragment.
CHATGPT_CALLBACK = re.compile(
    r"https://(?:chatgpt\.com|chat\.openai\.com)/aip/(?P<gpt_id>" + GPT_ID.pattern + r")/oauth/callback"
)


def gpt_id_from(text: str) -> str | None:
    """The GPT id in `text`: a bare id (g-…) or a whole ChatGPT callback URL; None if neither."""
    if GPT_ID.fullmatch(text):
        return text
    match = CHATGPT_CALLBACK.fullmatch(text)
    return match["gpt_id"] if match else None


class ChatGPTCallbacks(models.TextChoices):
    EXACT = "exact", "Registered redirect URIs only"
    ANY_GPT = "any", "Any GPT (https://chatgpt.com/aip/g-…/oauth/callback)"
    PINNED = "pinned", "Listed GPTs only"

    @classmethod
    def allows(cls, *, mode: str, pinned_ids: list[str], uri: str) -> bool:
        if mode == cls.EXACT:
            return False
        match = CHATGPT_CALLBACK.fullmatch(uri)
        if match is None:
            return False
        return mode == cls.ANY_GPT or match["gpt_id"] in pinned_ids


#: Callbacks of MCP clients that register themselves: ChatGPT apps and Claude connectors.
#: Whole-URL patterns, like CHATGPT_CALLBACK: no other path, query or fragment gets through.
CONNECTOR_CALLBACKS = (
    re.compile(r"https://chatgpt\.com/connector/oauth/[A-Za-z0-9_-]{1,128}"),
    re.compile(r"https://chatgpt\.com/connector_platform_oauth_redirect"),
    re.compile(r"https://claude\.ai/api/mcp/auth_callback"),
    re.compile(r"https://claude\.com/api/mcp/auth_callback"),
)


def is_connector_callback(uri: str) -> bool:
    return any(pattern.fullmatch(uri) for pattern in CONNECTOR_CALLBACKS)
