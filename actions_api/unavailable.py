"""
A saturated or unreachable database answers 503, never a 500 or a hang.

Django hands every unhandled exception, wherever it was raised (a view, a middleware, the
session or the sign-in lookup), to ``handler500`` while the exception is being handled. When it
is a database ``OperationalError`` (no connection free in the pool within
``DB_POOL_TIMEOUT_SECONDS``: psycopg_pool's ``PoolTimeout``, which Django wraps; connection
refused; "too many clients"), the caller gets a 503 with ``Retry-After``: its protocol's
error on a machine endpoint (``actions_api.exceptions.protocol_error``), a plain page
elsewhere. Any other failure keeps its 500.
"""

from __future__ import annotations

import sys

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse

from actions_api.exceptions import protocol_error
from actions_api.exceptions import server_error as answer_500
from roles.conf import rolegate_settings

UNAVAILABLE_PAGE = (
    "<!doctype html><title>Service unavailable</title><h1>Service unavailable</h1>"
    "<p>Rolegate is overloaded or cannot reach its database. Please try again in a few seconds.</p>"
)


def database_unavailable() -> bool:
    """Whether the exception being handled says the database cannot be reached or is saturated."""
    return isinstance(sys.exc_info()[1], OperationalError)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: 503 + Retry-After for an unavailable database, else the usual 500."""
    if not database_unavailable():
        return answer_500(request)
    response = protocol_error(request, 503)
    if response is None:
        response = HttpResponse(UNAVAILABLE_PAGE, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(rolegate_settings.UNAVAILABLE_RETRY_AFTER_SECONDS)
    return response
