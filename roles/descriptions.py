"""Access claims in plain words, for the people who grant them (the consent page)."""

from __future__ import annotations

from dataclasses import dataclass

from roles.claims import AccessClaims
from roles.models import ApiPermission, Role


@dataclass(frozen=True)
class AccessInWords:
    roles: list[str]
    permissions: list[str]
    data_scopes: list[str]


def access_in_words(access: AccessClaims) -> AccessInWords:
    """Role names, permission descriptions and 'Region: EMEA'-style data scopes of `access`."""
    role_names = dict(Role.objects.filter(slug__in=access.roles).values_list("slug", "name"))
    descriptions = dict(ApiPermission.objects.filter(code__in=access.permissions).values_list("code", "description"))
    return AccessInWords(
        roles=[role_names.get(slug) or slug for slug in access.roles],
        permissions=[descriptions.get(code) or code for code in sorted(access.permissions)],
        data_scopes=[_scope_in_words(access, attribute) for attribute in sorted(access.data_scopes)],
    )


def _scope_in_words(access: AccessClaims, attribute: str) -> str:
    name = attribute.replace("_", " ")
    values = access.allowed_values(attribute)
    return f"{name.capitalize()}: " + (f"every {name}" if values is None else ", ".join(values))
