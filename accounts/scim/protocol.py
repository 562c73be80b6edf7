"""
The SCIM service as scim2-server runs it: what it announces, how a client authenticates, and
where the directories' known non-standard request shapes are rewritten (see ``quirks``).
"""

from __future__ import annotations

import json

from django.db import OperationalError
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    ETag,
    Filter,
    Patch,
    ScimProvider,
    ServiceProviderConfig,
    Sort,
    UnauthorizedException,
)
from scim2_server.applications.base import BaseApplication
from scim2_server.handler import ScimHandler
from scim2_server.requests import ScimRequest
from scim2_server.service import ScimService

from accounts.scim import quirks
from accounts.scim.models import ScimClient
from accounts.scim.resources import PROVIDER_MODELS, RESOURCE_TYPES
from accounts.scim.storage import DjangoStorage

#: Most resources one list response carries (Okta asks for 100 at a time, Entra for fewer).
MAX_RESULTS = 200

CONFIG = ServiceProviderConfig(
    documentation_uri=None,
    patch=Patch(supported=True),
    bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
    filter=Filter(supported=True, max_results=MAX_RESULTS),
    change_password=ChangePassword(supported=False),
    sort=Sort(supported=False),
    etag=ETag(supported=True),
    authentication_schemes=[
        AuthenticationScheme(
            type=AuthenticationScheme.Type.oauthbearertoken,
            name="Bearer token",
            description="The SCIM client's token, from the admin or `manage.py scim_client`.",
            primary=True,
        )
    ],
)
PROVIDER = ScimProvider(models=PROVIDER_MODELS, resource_types=RESOURCE_TYPES, config=CONFIG)
KNOWN_SCHEMAS = {str(model.__schema__).casefold() for model in PROVIDER_MODELS}


class RolegateScimService(ScimService):
    """scim2-server's service, accepting the directories' known quirks and answering PATCH with the resource."""

    def read_body(self, model, body: bytes, content_type: str | None, scim_ctx: Context):
        """Rewrites the directories' known non-standard shapes (see ``quirks``) before validation."""
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):
            return super().read_body(model, body, content_type, scim_ctx)  # answers invalidSyntax
        if scim_ctx == Context.RESOURCE_PATCH_REQUEST:
            payload = quirks.normalized_patch(payload)
        elif scim_ctx in (Context.RESOURCE_CREATION_REQUEST, Context.RESOURCE_REPLACEMENT_REQUEST):
            payload = quirks.normalized_resource(payload, KNOWN_SCHEMAS)
        return super().read_body(model, json.dumps(payload).encode(), content_type, scim_ctx)

    def patch_response(self, base_url: str, resource, response_parameters):
        """200 with the resource, never a bare 204: Okta reads the updated user from the answer."""
        return self.resource_response(
            self.publish(base_url, resource), Context.RESOURCE_REPLACEMENT_RESPONSE, response_parameters
        )


SERVICE = RolegateScimService(PROVIDER)


class RolegateScimApplication(BaseApplication):
    """One request's SCIM application: authenticates the bearer token, then serves with its storage."""

    def __init__(self):
        super().__init__(PROVIDER, SERVICE)
        self.client: ScimClient | None = None

    def check_auth(self, request: ScimRequest) -> None:
        scheme, _, token = (request.header("Authorization") or "").partition(" ")
        if scheme.casefold() != "bearer" or not token.strip():
            raise UnauthorizedException(detail="Send the SCIM client's token as 'Authorization: Bearer <token>'")
        self.client = ScimClient.objects.authenticating(token.strip())
        if self.client is None:
            raise UnauthorizedException(detail="Unknown or disabled SCIM token")

    def dispatch_request(self, request: ScimRequest):
        if self.needs_auth(request):
            self.check_auth(request)
        request.subject = self.client
        storage = DjangoStorage(PROVIDER, self.client)
        return ScimHandler(self.service, storage).handle(request)

    def handle_exception(self, request: ScimRequest, exception: Exception):
        """
        A database that cannot be reached is no fault of the request: it goes on to Django's
        handler500, which answers 503 with Retry-After (``actions_api.unavailable``) as on every
        other endpoint, here as a SCIM error; scim2-server would answer 500.
        """
        if isinstance(exception, OperationalError):
            raise exception
        return super().handle_exception(request, exception)

    def serve(self, request: ScimRequest):
        try:
            response = self.dispatch_request(request)
        except Exception as exception:  # noqa: BLE001 (scim2-server's contract: every error becomes a SCIM body)
            response = self.handle_exception(request, exception)
        return self.finalize_response(request, response)
