"""
The SCIM service as scim2-server runs it: what it announces, how a client authenticates, and the
one shape of request the big directories send that the RFC's grammar does not cover.
"""

from __future__ import annotations

import json
from typing import Any

from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    ETag,
    Filter,
    Patch,
    ResourceType,
    ScimProvider,
    ServiceProviderConfig,
    Sort,
    UnauthorizedException,
)
from scim2_server.applications.base import BaseApplication
from scim2_server.handler import ScimHandler
from scim2_server.requests import ScimRequest
from scim2_server.service import ScimService

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


def _members_removed_by_value(operation: Any) -> list[Any]:
    """
    Entra ID removes group members as ``{"op": "Remove", "path": "members", "value": [{"value": id}]}``;
    RFC 7644 §3.5.2.2 says the same with a filter path, one operation per member.
    """
    if not (
        isinstance(operation, dict)
        and str(operation.get("op", "")).casefold() == "remove"
        and str(operation.get("path", "")).casefold() == "members"
        and isinstance(operation.get("value"), list)
    ):
        return [operation]
    ids = [member.get("value") for member in operation["value"] if isinstance(member, dict)]
    return [{"op": "remove", "path": f"members[value eq {json.dumps(str(pk))}]"} for pk in ids if pk is not None]


class RolegateScimService(ScimService):
    """scim2-server's service, accepting Entra ID's member removal by value and answering PATCH with the resource."""

    def read_patch(self, resource_type: ResourceType, body: bytes, content_type: str | None):
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return super().read_patch(resource_type, body, content_type)  # answers invalidSyntax
        if isinstance(payload, dict) and isinstance(payload.get("Operations"), list):
            payload["Operations"] = [
                normalized for operation in payload["Operations"] for normalized in _members_removed_by_value(operation)
            ]
            body = json.dumps(payload).encode()
        return super().read_patch(resource_type, body, content_type)


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

    def serve(self, request: ScimRequest):
        try:
            response = self.dispatch_request(request)
        except Exception as exception:  # noqa: BLE001 (scim2-server's contract: every error becomes a SCIM body)
            response = self.handle_exception(request, exception)
        return self.finalize_response(request, response)
