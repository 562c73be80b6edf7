"""
Request shapes the big directories send that RFC 7644's grammar does not cover, rewritten into
the standard form before scim2-models validates them. Everything else is left to the library
(string booleans, replace without a path, case-insensitive attribute names are already accepted).
"""

from __future__ import annotations

import json
from typing import Any

import email_validator

# Active Directory's classic UPN suffix `corp.local` reaches Entra ID and Okta as userName and
# email; email-validator refuses the special-use `local` name by default, Rolegate accepts it.
if "local" in email_validator.SPECIAL_USE_DOMAIN_NAMES:
    email_validator.SPECIAL_USE_DOMAIN_NAMES.remove("local")


def members_removed_by_value(operation: Any) -> list[Any]:
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


def normalized_patch(payload: Any) -> Any:
    if isinstance(payload, dict) and isinstance(payload.get("Operations"), list):
        payload["Operations"] = [
            standard for operation in payload["Operations"] for standard in members_removed_by_value(operation)
        ]
    return payload


def normalized_resource(payload: Any, known_schemas: set[str]) -> Any:
    """
    Entra ID lists its own group schema (``http://schemas.microsoft.com/…/ADSCIM/2.0/Group``) in
    ``schemas`` without sending any attribute of it: such an unknown, unused URI is dropped.
    """
    if isinstance(payload, dict) and isinstance(payload.get("schemas"), list):
        payload["schemas"] = [
            schema
            for schema in payload["schemas"]
            if not isinstance(schema, str) or schema.casefold() in known_schemas or schema in payload
        ]
    return payload
