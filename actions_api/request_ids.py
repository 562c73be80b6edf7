"""
A request id on every log line of a request, in the response and on its Action-call row.

Taken from an incoming ``X-Request-ID`` when it looks like an id (a load balancer's or a
client's: letters, digits, ``-_.:``, up to 64 characters), else generated. It is echoed in the
response's ``X-Request-ID`` header, so a builder's 401 or 403 ties to its row in the admin's
"Action calls" and to the server's log lines.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Request-ID"
_META_KEY = "HTTP_X_REQUEST_ID"
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def request_id_from(header_value: str | None) -> str:
    """The caller's id when it is sane, else a new one; never anything that could forge a log line."""
    if header_value and _SANE.fullmatch(header_value):
        return header_value
    return uuid.uuid4().hex


def current_request_id() -> str:
    return _current.get()


class RequestIdMiddleware:
    """Sets ``request.request_id`` (and the log context) for the request and echoes it in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # META, not request.headers: that mapping of every header is built on first use, which a machine call avoids.
        request.request_id = request_id_from(request.META.get(_META_KEY))
        token = _current.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request.request_id
        return response


class AsgiRequestIds:
    """
    The same for an ASGI app that Django's middleware never sees (the MCP endpoint, served
    beside Django in ``portal.asgi``): its answers, refusals included, echo the id, and its log
    lines and Action-call rows carry it (tasks and threads it starts inherit the context).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(Headers(scope=scope).get(HEADER))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        token = _current.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _current.reset(token)


class RequestIdLogFilter(logging.Filter):
    """Adds ``request_id`` to every record ("-" outside a request), for the log formatters."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            # Django logs a response's status after the middleware ran, with the request attached.
            request = getattr(record, "request", None)
            record.request_id = current_request_id() or getattr(request, "request_id", "-")
        return True
