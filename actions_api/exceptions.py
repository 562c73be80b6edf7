"""Every API error as an RFC 9457 problem document, with RFC 6750 headers where they apply."""

from __future__ import annotations

from http import HTTPStatus

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views import defaults
from rest_framework import status
from rest_framework.exceptions import APIException, ErrorDetail, NotAuthenticated
from rest_framework.response import Response
from rest_framework.views import exception_handler

from accounts.middleware import OAUTH_PREFIX, TOO_LARGE
from accounts.oauth_views import oauth_error
from accounts.scim.urls import SCIM_PREFIX, scim_error
from actions_api.authentication import BearerTokenError, rest_bearer
from actions_api.bearer import MISSING_TOKEN, BearerRefusal
from actions_api.catalog import NOT_VISIBLE

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_exception_handler(exc, context) -> Response | None:
    response = exception_handler(exc, context)
    if response is None:
        return None
    problem = {"type": "about:blank", "title": HTTPStatus(response.status_code).phrase, "status": response.status_code}
    refusal = _bearer_refusal(exc)
    if refusal is None:
        problem.update(_detail(exc, response.data))
        problem["error"] = _error_code(exc, response.status_code)
    else:
        problem.update(detail=refusal.description, error=refusal.error)
        response["WWW-Authenticate"] = rest_bearer.challenge(refusal)
    response.data = problem
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def _bearer_refusal(exc) -> BearerRefusal | None:
    """The RFC 6750 refusal behind a 401 (no token sent included) or a 403 for a missing scope."""
    if isinstance(exc, BearerTokenError):
        return exc.refusal
    if isinstance(exc, NotAuthenticated):
        return BearerRefusal(401, "invalid_request", MISSING_TOKEN, reason="missing")
    if getattr(getattr(exc, "detail", None), "code", None) == "insufficient_scope":
        return BearerRefusal(403, "insufficient_scope", str(exc.detail))
    return None


def _detail(exc, data) -> dict:
    if isinstance(exc, Http404):
        return {"detail": NOT_VISIBLE}
    if isinstance(data, dict) and set(data) == {"detail"}:
        return {"detail": str(data["detail"])}
    return {"detail": "The request is invalid; see errors.", "errors": data}


def _error_code(exc, status_code: int) -> str:
    if status_code == status.HTTP_401_UNAUTHORIZED:
        return "invalid_token"
    detail = getattr(exc, "detail", None)
    if isinstance(detail, ErrorDetail):
        return detail.code
    if isinstance(exc, APIException):
        return exc.default_code
    return "not_found" if isinstance(exc, Http404) else "error"


# ---------------------------------------------------------------- Django-level errors, in the caller's protocol
# Errors raised before or outside a view's own error handling (no URL matched, a body over
# DATA_UPLOAD_MAX_MEMORY_SIZE read by a middleware, an unhandled exception) reach Django's
# handler400/403/404/500. A machine caller still gets its protocol's error: a problem document
# under /api/, an OAuth error (RFC 6749 §5.2) under /o/ (but for the authorization page), a SCIM
# error under /scim/v2; browsers get Django's own pages. Never a traceback.

API_PREFIX = "/api/"

_DJANGO_ERRORS = {
    400: ("bad_request", "The request is malformed or too large."),
    403: ("permission_denied", "This request is not allowed."),
    404: ("not_found", "There is no API endpoint at this URL; see /api/schema/."),
    500: ("server_error", "The server failed to answer this request; it has been logged."),
    503: ("service_unavailable", "The service is overloaded or its database is unreachable; retry shortly."),
}
#: The OAuth error of each status an OAuth endpoint can be answered with from outside its view.
_OAUTH_ERRORS = {400: "invalid_request", 500: "server_error", 503: "temporarily_unavailable"}


def problem_response(status_code: int) -> JsonResponse:
    error, detail = _DJANGO_ERRORS[status_code]
    problem = {
        "type": "about:blank",
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail,
        "error": error,
    }
    return JsonResponse(problem, status=status_code, content_type=PROBLEM_CONTENT_TYPE)


def protocol_error(request: HttpRequest, status_code: int, exception=None) -> HttpResponse | None:
    """The machine endpoint's own error for `status_code`; None outside them (Django's page answers)."""
    path = request.path
    if path.startswith(API_PREFIX):
        return problem_response(status_code)
    too_large = isinstance(exception, RequestDataTooBig)
    detail = TOO_LARGE if too_large else _DJANGO_ERRORS[status_code][1]
    if path.startswith(OAUTH_PREFIX) and status_code in _OAUTH_ERRORS and not _is_authorization_page(path):
        return oauth_error(_OAUTH_ERRORS[status_code], detail, status=status_code)
    if path.startswith(SCIM_PREFIX) and status_code in (400, 500, 503):
        return scim_error(status=413 if too_large else status_code, detail=detail)
    return None


def _is_authorization_page(path: str) -> bool:
    """The one page under /o/: a person's browser shows it, so it gets Django's page, not JSON."""
    return path.startswith(reverse("oauth2_provider:authorize"))


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    response = protocol_error(request, 400, exception)
    return defaults.bad_request(request, exception) if response is None else response


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    response = protocol_error(request, 403, exception)
    return defaults.permission_denied(request, exception) if response is None else response


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    response = protocol_error(request, 404, exception)
    return defaults.page_not_found(request, exception) if response is None else response


def server_error(request: HttpRequest) -> HttpResponse:
    response = protocol_error(request, 500)
    return defaults.server_error(request) if response is None else response
