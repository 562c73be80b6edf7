"""
The permissions that exist because the API exists.

After every ``migrate`` the codes that an API view (``required_permission``) or an MCP tool
checks are registered as :class:`roles.models.ApiPermission` rows, with a plain-language
description, so that an admin picks them instead of typing them. Codes no view checks any more
are flagged, never deleted (a role may still hold them).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.core.exceptions import FieldDoesNotExist
from django.urls import URLPattern, URLResolver, get_resolver

from actions_api.catalog import COLLECTIONS
from roles.services import PermissionRegistration, permissions_register


def required_permissions() -> dict[str, str]:
    """Every code an API view or MCP tool checks -> what it lets a GPT read."""
    required = {collection.required_permission: collection.permission_description for collection in COLLECTIONS}
    for view_class in _view_classes(get_resolver().url_patterns):
        if not hasattr(view_class, "required_permission"):
            continue
        code = getattr(view_class(), "required_permission", None)  # may be a property of the instance
        if isinstance(code, str) and code not in required:
            required[code] = _described_from_code(code)
    return required


def register_api_permissions(sender=None, apps=None, **kwargs) -> PermissionRegistration | None:
    """The post_migrate receiver: registers the codes once the permission table exists."""
    if apps is not None:
        try:
            apps.get_model("roles", "ApiPermission")._meta.get_field("in_use")
        except (LookupError, FieldDoesNotExist):  # migrated back to before the table or the flag existed
            return None
    return permissions_register(required=required_permissions())


def _described_from_code(code: str) -> str:
    resource, action = code.split(".", 1)
    return f"Lets a GPT {action.replace('_', ' ')} {resource.replace('_', ' ')}."


def _view_classes(patterns: Iterable) -> Iterator[type]:
    """The class behind every class-based view reachable in the URL configuration."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _view_classes(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            view_class = getattr(pattern.callback, "cls", None) or getattr(pattern.callback, "view_class", None)
            if isinstance(view_class, type):
                yield view_class
