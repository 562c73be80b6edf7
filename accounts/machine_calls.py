"""
Machine calls skip the middleware that only serve browser pages.

A bearer call to the API, a client at DOT's token endpoint or a SCIM push reads no cookie and
renders no page, so sessions, CSRF, the session user, its second factor, messages, static files
and allauth have nothing to do for it, yet cost every such call their work. In ``MIDDLEWARE``
those middleware sit between :class:`SkipBrowserMiddleware` and :class:`BrowserMiddlewareEnd`: a
request whose path starts with one of ``ROLEGATE["MACHINE_PATHS"]`` jumps from the first to
what follows the second; every other request runs the whole list.

Everything stays listed in ``MIDDLEWARE``, so Django builds and adapts each middleware (WSGI or
ASGI) as usual, and the checks that read the list still see it (the admin's, allauth's,
``check --deploy``'s CSRF and session-cookie checks). What protects or observes a machine call
(security headers, the NUL check, request ids, metrics, CSP, the Action-call log, the audit
actor) sits outside the pair. The browser middleware's ``process_view`` hooks still run for
machine calls (Django registers them with the handler): CSRF's accepts the API's exempt views
and refuses any other unsafe request, having no cookie to compare.

Without the session middleware, a session cookie sent with a machine call is never even read:
it cannot authenticate anything.
"""

from __future__ import annotations

import threading

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.base import BaseHandler

from roles.conf import rolegate_settings

START = "accounts.machine_calls.SkipBrowserMiddleware"
END = "accounts.machine_calls.BrowserMiddlewareEnd"

# Django builds the middleware innermost first, in one thread: the end marker leaves here the
# handler that follows it, and the skipping middleware (built a few steps later) takes it.
_built = threading.local()


class BrowserMiddlewareEnd:
    """Marks the end of the browser pages' middleware: machine calls resume at the middleware after it."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)
        _built.after_browser_middleware = get_response

    def __call__(self, request):
        return self.get_response(request)


class SkipBrowserMiddleware:
    """Sends machine calls past the middleware up to :class:`BrowserMiddlewareEnd`; other requests through them."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response) -> None:
        chain = list(settings.MIDDLEWARE)
        if END not in chain or chain.index(END) < chain.index(START):
            raise ImproperlyConfigured(f"{START} must be followed by {END} in MIDDLEWARE.")
        self.get_response = get_response
        self.machine_paths = tuple(rolegate_settings.MACHINE_PATHS)
        is_async = iscoroutinefunction(get_response)
        if is_async:
            markcoroutinefunction(self)
        # In the mode Django chose for this middleware (the two handlers may differ under ASGI).
        self.skip_to = BaseHandler().adapt_method_mode(is_async, _built.__dict__.pop("after_browser_middleware"))

    def __call__(self, request):
        if request.path_info.startswith(self.machine_paths):
            return self.skip_to(request)
        return self.get_response(request)
