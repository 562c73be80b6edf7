"""The /scim/v2/ endpoint: Django's request in, scim2-server's response out."""

from __future__ import annotations

import json
from http import HTTPStatus

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from scim2_models import Error, InvalidValueException, PayloadTooLargeException
from scim2_server.requests import ScimRequest
from scim2_server.responses import ScimResponse

from accounts.middleware import TOO_LARGE
from accounts.scim.protocol import RolegateScimApplication
from accounts.scim.services import scim_base_url, scim_client_record_error, scim_client_record_sync
from roles.audit.context import acting_as


@csrf_exempt
def scim_endpoint(request: HttpRequest, path: str = "") -> HttpResponse:
    """Every SCIM operation; the bearer token names the client, which is the actor of every change."""
    server = RolegateScimApplication()
    scim_request = ScimRequest(
        method=request.method,
        base_url=scim_base_url(),
        path=server.split_path("/" + path),
        query={key: request.GET[key] for key in request.GET},
        headers=dict(request.headers),
    )
    try:
        scim_request.body = request.body
    except RequestDataTooBig:
        return _refused(server, scim_request, PayloadTooLargeException(detail=TOO_LARGE))
    if _has_nul(scim_request):
        # PostgreSQL text cannot hold NUL: refused here rather than failing at the first lookup.
        return _refused(server, scim_request, InvalidValueException(detail="NUL characters are not accepted"))
    with acting_as(lambda: server.client.audit_actor if server.client else None):
        response = server.serve(scim_request)
    if server.client is not None:
        if response.status >= 400:
            detail = (response.body or {}).get("detail", "")
            scim_client_record_error(client=server.client, status=response.status, detail=str(detail))
        else:
            scim_client_record_sync(client=server.client)
    return _http_response(response)


def _has_nul(scim_request: ScimRequest) -> bool:
    body = scim_request.body.lower()
    # A filter is parsed with JSON string escapes, so "\u0000" in a query value is a NUL too.
    return (
        b"\x00" in body
        or b"\\u0000" in body
        or any("\x00" in value or "\\u0000" in value.lower() for value in scim_request.query.values())
    )


def scim_error(*, status: int, detail: str) -> HttpResponse:
    """A SCIM error (RFC 7644 §3.12) for a request refused or failed before the endpoint could answer it."""
    return _http_response(ScimResponse(HTTPStatus(status), Error(status=status, detail=detail).model_dump()))


def _refused(server, scim_request: ScimRequest, error) -> HttpResponse:
    return _http_response(server.finalize_response(scim_request, server.service.error_response(error)))


def _http_response(response) -> HttpResponse:
    content = b"" if response.body is None else json.dumps(response.body).encode()
    http = HttpResponse(content, status=int(response.status))
    for name, value in response.headers.items():
        http[name] = value
    return http
