"""
The MCP endpoint (streamable HTTP): the MCP SDK's app behind a bearer-token gate.

The gate accepts only access tokens whose audience is this endpoint (``MCP_RESOURCE``), and
answers like a protected resource should (RFC 6750, RFC 9728): 401 with
``WWW-Authenticate: Bearer resource_metadata=…`` so MCP clients discover where to sign in,
403 ``insufficient_scope`` for a token without the ``api`` scope. Stateless: every request
carries its token and nothing is kept between requests, so any worker may serve any call.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.conf import settings
from mcp.server.transport_security import TransportSecuritySettings
from oauth2_provider.settings import oauth2_settings
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from actions_api.bearer import BearerPipeline, BearerRefusal
from actions_api.mcp.headers import SecurityHeaders
from actions_api.mcp.tools import TOKEN_SCOPE_KEY, server
from actions_api.request_ids import AsgiRequestIds
from roles.conf import absolute_url, rolegate_settings

MCP_PATH = "/mcp"


class BearerGate:
    """Lets a request through to `app` only with a valid access token for this endpoint (see actions_api.bearer)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # May reload signing keys or the revocation list from the database: off the event loop.
        self.authenticate = sync_to_async(mcp_bearer.authenticate)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan: the SDK's session manager starts and stops
            await self.app(scope, receive, send)
            return
        try:
            verified = await self.authenticate(Headers(scope=scope).get("authorization"))
        except BearerRefusal as refusal:
            response = self.refuse(refusal)
        else:
            if verified is not None:
                scope[TOKEN_SCOPE_KEY] = verified
                await self.app(scope, receive, send)
                return
            response = self.refuse(None)
        await response(scope, receive, send)

    @staticmethod
    def refuse(refusal: BearerRefusal | None) -> JSONResponse:
        """401 (or 403) with the pipeline's challenge; without a token, the bare challenge (RFC 6750 §3.1)."""
        if refusal is None:
            body = {
                "error": "invalid_request",
                "error_description": "Sign in: send 'Authorization: Bearer <access token>'.",
            }
            return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": mcp_bearer.challenge()})
        body = {"error": refusal.error, "error_description": refusal.description}
        headers = {"WWW-Authenticate": mcp_bearer.challenge(refusal)}
        return JSONResponse(body, status_code=refusal.status, headers=headers)


def resource_metadata_url() -> str:
    """RFC 9728 metadata of this endpoint: where MCP clients learn which server signs them in."""
    return absolute_url("mcp-resource-metadata")


def _scope_hint() -> str:
    """The scopes to ask for: the default ones, which include `api`."""
    return " ".join(oauth2_settings.DEFAULT_SCOPES)


mcp_bearer = BearerPipeline(
    audience=lambda: rolegate_settings.MCP_RESOURCE,
    challenge_params=lambda: {"resource_metadata": resource_metadata_url(), "scope": _scope_hint()},
)


def _transport_security() -> TransportSecuritySettings:
    """The SDK's DNS-rebinding protection, agreeing with Django's ALLOWED_HOSTS."""
    if "*" in settings.ALLOWED_HOSTS:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    hosts = [host.lstrip(".") for host in settings.ALLOWED_HOSTS]
    return TransportSecuritySettings(
        allowed_hosts=hosts + [f"{host}:*" for host in hosts],
        allowed_origins=[rolegate_settings.PORTAL_BASE_URL, *settings.CSRF_TRUSTED_ORIGINS],
    )


def mcp_application() -> ASGIApp:
    """
    The ASGI app serving ``/mcp`` (and the lifespan it needs); Django serves everything else. Its
    answers, refusals included, carry the request id and the security headers Django's middleware
    give the API's.
    """
    return AsgiRequestIds(
        SecurityHeaders(
            BearerGate(
                server.streamable_http_app(
                    streamable_http_path=MCP_PATH,
                    stateless_http=True,
                    json_response=True,
                    transport_security=_transport_security(),
                )
            )
        )
    )
