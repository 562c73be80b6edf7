"""Request and response hygiene that every endpoint needs, around every view and OAuth library."""

from __future__ import annotations

from csp.constants import HEADER as CSP_HEADER
from csp.middleware import CSPMiddleware
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponseBase

from accounts.oauth_views import oauth_error

NUL = "\x00"
OAUTH_PREFIX = "/o/"
#: What a caller is told of a body over DATA_UPLOAD_MAX_MEMORY_SIZE, in every protocol's error.
TOO_LARGE = "The request body is larger than this server accepts."
_MESSAGE = "The request contains a NUL byte (%00 or \\u0000), which no parameter of this portal accepts."


class RejectNulBytesMiddleware:
    """
    Refuses a request with a NUL byte in its path, query, form or JSON body: 400, never a 500.

    PostgreSQL cannot store or even compare text containing NUL, so such a value reaching a
    lookup (a client id, a code, a username) would fail in the database driver. OAuth
    endpoints answer with the standard `invalid_request` error; others with the usual 400.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if self._carries_nul(request):
            if request.path.startswith(OAUTH_PREFIX):
                return oauth_error("invalid_request", _MESSAGE)
            raise BadRequest(_MESSAGE)
        return self.get_response(request)

    @staticmethod
    def _carries_nul(request: HttpRequest) -> bool:
        if NUL in request.path or _any_nul(request.GET):
            return True
        if request.method != "POST":
            return False
        # Read (and keep) the raw body first: views such as DOT's registration read it again.
        body = request.body
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return _any_nul(request.POST)
        if request.content_type == "application/json":
            return b"\\u0000" in body.lower() or b"\x00" in body
        return False


def _any_nul(params) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in params.lists())


class HtmlPolicyCSPMiddleware(CSPMiddleware):
    """
    django-csp's policy (``CONTENT_SECURITY_POLICY``) on HTML pages; on every other response
    (the API's JSON and problem documents, tokens, JWKS, metadata) a fixed policy that allows
    nothing, as OWASP advises for APIs: a browser that renders such a response loads nothing
    and frames it nowhere. django-csp builds its header anew for each response, which cost an
    API call ~2% of its CPU; this one is a constant.
    """

    NOTHING = "default-src 'none'; frame-ancestors 'none'"

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if response.get("Content-Type", "").startswith("text/html"):
            return super().process_response(request, response)
        response.headers.setdefault(CSP_HEADER, self.NOTHING)
        return response
