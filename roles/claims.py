"""The one place that turns a user into the access claims their tokens carry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from roles.models import ALL_VALUES, Role


@dataclass(frozen=True)
class AccessClaims:
    """Roles, permissions and data scopes; immutable so nothing downstream can widen them."""

    roles: tuple[str, ...] = ()
    permissions: frozenset[str] = frozenset()
    data_scopes: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))

    def has_permission(self, permission: str) -> bool:
        return permission in self.permissions

    def allowed_values(self, attribute: str) -> tuple[str, ...] | None:
        """The values of `attribute` this caller may see; None means every value; () none."""
        values = self.data_scopes.get(attribute, ())
        return None if ALL_VALUES in values else values

    def as_token_claims(self) -> dict:
        return {
            "roles": list(self.roles),
            "permissions": sorted(self.permissions),
            "data_scopes": {attribute: list(values) for attribute, values in sorted(self.data_scopes.items())},
        }

    @classmethod
    def build(cls, *, roles, permissions, data_scopes: Mapping[str, list[str] | tuple[str, ...]]) -> AccessClaims:
        scopes = {
            attribute: (ALL_VALUES,) if ALL_VALUES in values else tuple(sorted(set(values)))
            for attribute, values in data_scopes.items()
        }
        return cls(
            roles=tuple(sorted(set(roles))),
            permissions=frozenset(permissions),
            data_scopes=MappingProxyType(scopes),
        )


def effective_claims(*, user, application=None) -> AccessClaims:
    """
    What `user` may do through `application`, as of now.

    Called at every token issuance (code exchange and refresh), so a role change reaches the
    user's next token. Inactive users hold nothing.
    """
    if user is None or not user.is_active:
        return AccessClaims()
    roles = list(Role.objects.held_by(user).prefetch_related("permissions", "data_scopes"))
    data_scopes: dict[str, list[str]] = {}
    for role in roles:
        for scope in role.data_scopes.all():
            data_scopes.setdefault(scope.attribute, []).append(scope.value)
    return AccessClaims.build(
        roles=[role.slug for role in roles],
        permissions=[permission.code for role in roles for permission in role.permissions.all()],
        data_scopes=data_scopes,
    )
