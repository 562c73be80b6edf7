"""A SCIM client over Django's test client (real views, real PostgreSQL): what a directory sends."""

from __future__ import annotations

import json
from dataclasses import dataclass

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SCIM_JSON = "application/scim+json"


def user_body(user_name: str, **extra) -> dict:
    """A user as Entra ID and Okta create one."""
    given, _, family = user_name.partition("@")[0].partition(".")
    return {
        "schemas": [USER, ENTERPRISE],
        "userName": user_name,
        "externalId": extra.pop("externalId", user_name.split("@")[0]),
        "active": True,
        "name": {"givenName": given.title(), "familyName": family.title() or "Doe"},
        "emails": [{"primary": True, "type": "work", "value": user_name}],
        **extra,
    }


def patch_body(*operations: dict) -> dict:
    return {"schemas": [PATCH], "Operations": list(operations)}


@dataclass
class ScimCaller:
    """Sends SCIM requests with a client's bearer token."""

    http: object
    token: str
    prefix: str = "/scim/v2"

    def request(self, method: str, path: str, body=None, **headers):
        data = body if isinstance(body, (str, bytes)) else (json.dumps(body) if body is not None else "")
        extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
        if self.token:
            extra.setdefault("HTTP_AUTHORIZATION", f"Bearer {self.token}")
        return self.http.generic(method, f"{self.prefix}{path}", data, content_type=SCIM_JSON, **extra)

    def get(self, path, **headers):
        return self.request("GET", path, **headers)

    def post(self, path, body, **headers):
        return self.request("POST", path, body, **headers)

    def put(self, path, body, **headers):
        return self.request("PUT", path, body, **headers)

    def patch(self, path, body, **headers):
        return self.request("PATCH", path, body, **headers)

    def delete(self, path, **headers):
        return self.request("DELETE", path, **headers)

    def create_user(self, user_name: str, **extra) -> dict:
        response = self.post("/Users", user_body(user_name, **extra))
        assert response.status_code == 201, response.content
        return response.json()

    def create_group(self, name: str, members=(), **extra) -> dict:
        body = {"schemas": [GROUP], "displayName": name, "members": [{"value": m} for m in members], **extra}
        response = self.post("/Groups", body)
        assert response.status_code == 201, response.content
        return response.json()
