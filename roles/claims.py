"""
The one place that turns a user into the access claims their tokens carry.

A user holds a role when an assignment in force now gives it to them or to one of their teams,
or when such a role includes it (composites, at any depth), and the role is not limited to other
connections than the one asking. The computation runs in three queries: the user's assignments,
the inclusion graph, then the reachable roles with their permissions, data scopes and connection
limits (``Role.objects.with_claim_parts``); composites are expanded in Python.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from django.db import connections
from django.utils import timezone

from roles.claim_rows import read_claim_rows
from roles.graph import load_inclusions
from roles.models import ALL_VALUES, Role, RoleAssignment

#: The `amr` value (RFC 8176) of a sign-in that used a second factor: what `Role.requires_mfa` asks for.
MULTI_FACTOR = "mfa"


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


@dataclass(frozen=True)
class RoleGrant:
    """One way a user holds `role`: through `assignment`, then down the composite `path`."""

    role: Role
    assignment: RoleAssignment
    path: tuple[Role, ...]  # from the assigned role down to `role`; length 1 = assigned directly


@dataclass(frozen=True)
class ResolvedAccess:
    """Effective claims together with what produced them (and what did not count, and why)."""

    claims: AccessClaims
    grants: tuple[RoleGrant, ...] = ()
    inactive_assignments: tuple[RoleAssignment, ...] = ()
    #: Roles the user would hold but for their connection limits: (role, ids of its connections).
    withheld: tuple[tuple[Role, frozenset[int]], ...] = ()
    #: Roles the user would hold but that need a sign-in with a second factor, which this one lacked.
    needs_mfa: tuple[Role, ...] = ()
    user_inactive: bool = False


def resolve_access(
    *, user, connection=None, at: dt.datetime | None = None, amr: Collection[str] | None = None
) -> ResolvedAccess:
    """
    Everything :func:`effective_claims` needs and why, in one query (three on SQLite).

    `connection` is the connection the token is for; None means no particular connection, so
    roles limited to connections do not count. `amr` says how the user signed in (RFC 8176);
    roles that require MFA (and what only they include) count only when it holds ``"mfa"``.
    """
    if user is None or not user.is_active:
        return ResolvedAccess(claims=AccessClaims(), user_inactive=user is not None)
    at = at or timezone.now()
    assignments, roles, graph = _claim_rows(user)
    active = [assignment for assignment in assignments if assignment.is_active_at(at)]
    inactive = tuple(assignment for assignment in assignments if not assignment.is_active_at(at))
    if not active:
        return ResolvedAccess(claims=AccessClaims(), inactive_assignments=inactive)

    limits = {role_id: set(role.connection_ids) for role_id, role in roles.items() if role.connection_ids}
    grants, withheld, needs_mfa = _grants_and_withheld(active, graph, roles, limits, connection, amr)

    held = {grant.role.pk: grant.role for grant in grants}
    data_scopes: dict[str, list[str]] = {}
    for role in held.values():
        for attribute, value in role.scope_pairs:
            data_scopes.setdefault(attribute, []).append(value)
    claims = AccessClaims.build(
        roles=[role.slug for role in held.values()],
        permissions=[code for role in held.values() for code in role.permission_codes],
        data_scopes=data_scopes,
    )
    return ResolvedAccess(
        claims=claims,
        grants=tuple(grants),
        inactive_assignments=inactive,
        withheld=tuple((roles[pk], connections) for pk, connections in withheld.items() if pk not in held),
        needs_mfa=tuple(roles[pk] for pk in sorted(needs_mfa) if pk not in held),
    )


def _grants_and_withheld(
    active, graph, roles, limits, connection, amr
) -> tuple[list, dict[int, frozenset[int]], set[int]]:
    """
    Each role every active assignment reaches, with its path; or withheld by its connection
    limits; or left out because it requires MFA and `amr` lacks it.
    """

    def applies(role_id: int) -> bool:
        return role_id not in limits or (connection is not None and connection.pk in limits[role_id])

    multi_factor = MULTI_FACTOR in (amr or ())
    grants: list[RoleGrant] = []
    withheld: dict[int, frozenset[int]] = {}
    needs_mfa: set[int] = set()
    for assignment in active:
        # Breadth first, so each role is explained by its shortest composite path.
        paths = {assignment.role_id: (assignment.role_id,)}
        queue = deque([assignment.role_id])
        while queue:
            role_id = queue.popleft()
            if not applies(role_id):
                withheld[role_id] = frozenset(limits[role_id])
                continue
            if roles[role_id].requires_mfa and not multi_factor:
                needs_mfa.add(role_id)
                continue
            path = paths[role_id]
            grants.append(RoleGrant(role=roles[role_id], assignment=assignment, path=tuple(roles[pk] for pk in path)))
            for included_id in sorted(graph.get(role_id, ())):
                if included_id not in paths:
                    paths[included_id] = (*path, included_id)
                    queue.append(included_id)
    return grants, withheld, needs_mfa


def effective_claims(*, user, connection=None, amr: Collection[str] | None = None) -> AccessClaims:
    """
    What `user` may do through `connection`, as of now, after signing in as `amr` says.

    Called at every token issuance (code exchange and refresh), so a role change reaches the
    user's next token. Inactive users hold nothing.
    """
    return resolve_access(user=user, connection=connection, amr=amr).claims


def role_claims(*, role: Role) -> AccessClaims:
    """
    What holding `role` alone grants (its included roles too, at any depth): what an admin checks
    on the role page before giving it to anyone. Connection limits are not applied.
    """
    held = Role.objects.filter(pk__in=_reachable(load_inclusions(), {role.pk})).prefetch_related(
        "permissions", "data_scopes"
    )
    data_scopes: dict[str, list[str]] = {}
    permissions: list[str] = []
    for one in held:
        permissions += [permission.code for permission in one.permissions.all()]
        for scope in one.data_scopes.all():
            data_scopes.setdefault(scope.attribute, []).append(scope.value)
    return AccessClaims.build(roles=[one.slug for one in held], permissions=permissions, data_scopes=data_scopes)


def _claim_rows(user) -> tuple[list[RoleAssignment], dict[int, Role], dict[int, set[int]]]:
    """
    The user's own and their teams' assignments (active or not, with their role and team), the
    roles they reach with their claim parts, and the inclusions: one statement on PostgreSQL.
    """
    database = RoleAssignment.objects.db
    if connections[database].vendor == "postgresql":
        return read_claim_rows(user, using=database)
    return _claim_rows_through_orm(user)


def _claim_rows_through_orm(user) -> tuple[list[RoleAssignment], dict[int, Role], dict[int, set[int]]]:
    """The same as :func:`roles.claim_rows.read_claim_rows`, in three ORM queries (SQLite, the demo)."""
    assignments = list(
        RoleAssignment.objects.reaching(user).select_related("role", "team").order_by("role__slug", "pk")
    )
    graph = load_inclusions()
    reachable = _reachable(graph, {assignment.role_id for assignment in assignments})
    return assignments, {role.pk: role for role in Role.objects.filter(pk__in=reachable).with_claim_parts()}, graph


def _reachable(graph: dict[int, set[int]], roots: set[int]) -> set[int]:
    seen, stack = set(roots), list(roots)
    while stack:
        for included_id in graph.get(stack.pop(), ()):
            if included_id not in seen:
                seen.add(included_id)
                stack.append(included_id)
    return seen
