"""
The security headers Django's middleware give every response, on the MCP endpoint's too.

Under ASGI, ``/mcp`` is served by the MCP SDK outside Django's middleware (``portal.asgi``), so
``SecurityMiddleware`` (nosniff, referrer and opener policies, HSTS over HTTPS),
``XFrameOptionsMiddleware`` and the CSP middleware never saw its answers, the gate's 401s
included. Rather than restate their rules, this runs those same middleware's
``process_response`` on a stand-in response with the real one's content type, and copies what
they add onto the real one's headers: one set of settings, one behaviour for REST and MCP.
"""

from __future__ import annotations

import io

from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accounts.middleware import HtmlPolicyCSPMiddleware

_PROTECTING = (SecurityMiddleware, XFrameOptionsMiddleware, HtmlPolicyCSPMiddleware)


class SecurityHeaders:
    """ASGI middleware: what Django's protecting middleware would add to a response, added to this app's."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.middleware = [middleware(lambda request: None) for middleware in _PROTECTING]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_protected(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.protecting_headers(scope, content_type=headers.get("content-type", "")):
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_protected)

    def protecting_headers(self, scope: Scope, *, content_type: str) -> list[tuple[str, str]]:
        request = ASGIRequest(scope, io.BytesIO())
        response = HttpResponse(content_type=content_type or "application/octet-stream")
        for middleware in self.middleware:
            response = middleware.process_response(request, response)
        return [(name, value) for name, value in response.items() if name.lower() != "content-type"]
