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
from django.urls import reverse
from mcp.server.transport_security import TransportSecuritySettings
from oauth2_provider.settings import oauth2_settings
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from actions_api.authentication import REALM
from actions_api.permissions import API_SCOPE
from actions_api.tokens import InvalidAccessToken, verify_access_token
from actions_api.mcp.tools import TOKEN_SCOPE_KEY, server

MCP_PATH = "/mcp"


class BearerGate:
    """Lets a request through to `app` only with a valid access token for this endpoint."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.verify = sync_to_async(verify_access_token)  # may reload signing keys from the database

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan: the SDK's session manager starts and stops
            await self.app(scope, receive, send)
            return
        scheme, _, token = (Headers(scope=scope).get("authorization") or "").partition(" ")
        if not token:
            response = self.challenge(401, None, "Sign in: send 'Authorization: Bearer <access token>'.")
        elif scheme.lower() != "bearer" or " " in token.strip():
            response = self.challenge(401, "invalid_request", "Use 'Authorization: Bearer <access token>'.")
        else:
            try:
                verified = await self.verify(token.strip(), audience=settings.MCP_RESOURCE)
            except InvalidAccessToken as error:
                response = self.challenge(401, "invalid_token", str(error))
            else:
                if API_SCOPE in verified.scopes:
                    scope[TOKEN_SCOPE_KEY] = verified
                    await self.app(scope, receive, send)
                    return
                response = self.challenge(
                    403, "insufficient_scope", f"The access token was not granted the '{API_SCOPE}' scope."
                )
        await response(scope, receive, send)

    @staticmethod
    def challenge(status: int, error: str | None, description: str) -> JSONResponse:
        params = {"realm": REALM, "resource_metadata": resource_metadata_url(), "scope": _scope_hint()}
        if error:
            params.update(error=error, error_description=description.replace('"', "'"))
        header = "Bearer " + ", ".join(f'{name}="{value}"' for name, value in params.items())
        body = {"error": error or "invalid_request", "error_description": description}
        return JSONResponse(body, status_code=status, headers={"WWW-Authenticate": header})


def resource_metadata_url() -> str:
    """RFC 9728 metadata of this endpoint: where MCP clients learn which server signs them in."""
    return settings.PORTAL_BASE_URL + reverse("mcp-resource-metadata")


def _scope_hint() -> str:
    """The scopes to ask for: the default ones, which include `api`."""
    return " ".join(oauth2_settings.DEFAULT_SCOPES)


def _transport_security() -> TransportSecuritySettings:
    """The SDK's DNS-rebinding protection, agreeing with Django's ALLOWED_HOSTS."""
    if "*" in settings.ALLOWED_HOSTS:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    hosts = [host.lstrip(".") for host in settings.ALLOWED_HOSTS]
    return TransportSecuritySettings(
        allowed_hosts=hosts + [f"{host}:*" for host in hosts],
        allowed_origins=[settings.PORTAL_BASE_URL, *settings.CSRF_TRUSTED_ORIGINS],
    )


def mcp_application() -> ASGIApp:
    """The ASGI app serving ``/mcp`` (and the lifespan it needs); Django serves everything else."""
    return BearerGate(
        server.streamable_http_app(
            streamable_http_path=MCP_PATH,
            stateless_http=True,
            json_response=True,
            transport_security=_transport_security(),
        )
    )
