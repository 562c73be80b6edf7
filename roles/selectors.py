"""Reads for people: why a user holds what they hold, and who holds a role."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone
from oauth2_provider.models import get_application_model

from roles.claims import AccessClaims, RoleGrant, resolve_access
from roles.graph import load_inclusions
from roles.models import Role, RoleAssignment


@dataclass(frozen=True)
class AccessExplanation:
    """The claims a user's next token for `connection` carries, and where each one comes from."""

    connection: object | None
    claims: AccessClaims
    #: role slug -> how it is held ("team analysts → regional-lead → sales-emea", …)
    roles: dict[str, list[str]] = field(default_factory=dict)
    #: permission code -> slugs of the held roles that grant it
    permissions: dict[str, list[str]] = field(default_factory=dict)
    #: "attribute = value" -> slugs of the held roles that grant it
    data_scopes: dict[str, list[str]] = field(default_factory=dict)
    #: what the user has but does not count now, and why
    not_counted: list[str] = field(default_factory=list)

    @property
    def token_claims(self) -> dict:
        return self.claims.as_token_claims()


def access_explanation(*, user, connection=None) -> AccessExplanation:
    """
    Exactly the claims :func:`roles.claims.effective_claims` gives `user` for `connection` now
    (the same computation), with the assignment, team and composite path behind each.
    """
    resolved = resolve_access(user=user, connection=connection)
    explanation = AccessExplanation(connection=connection, claims=resolved.claims)
    if resolved.user_inactive:
        explanation.not_counted.append("The account is inactive: its tokens carry no roles.")
        return explanation
    held: dict[str, Role] = {}
    for grant in resolved.grants:
        held[grant.role.slug] = grant.role
        explanation.roles.setdefault(grant.role.slug, []).append(_how(grant))
    for slug, role in sorted(held.items()):
        for code in role.permission_codes:
            explanation.permissions.setdefault(code, []).append(slug)
        for attribute, value in role.scope_pairs:
            explanation.data_scopes.setdefault(f"{attribute} = {value}", []).append(slug)
    now = timezone.now()
    for assignment in resolved.inactive_assignments:
        source = f"team {assignment.team.slug}" if assignment.team_id else "direct assignment"
        if assignment.ends_at and assignment.ends_at <= now:
            state = f"ended {assignment.ends_at:%Y-%m-%d %H:%M} UTC"
        else:
            state = f"starts {assignment.starts_at:%Y-%m-%d %H:%M} UTC"
        explanation.not_counted.append(f"{assignment.role.slug} ({source}): {state}")
    if resolved.withheld:
        names = dict(
            get_application_model()
            .objects.filter(pk__in={pk for _, connections in resolved.withheld for pk in connections})
            .values_list("pk", "name")
        )
        for role, connections in resolved.withheld:
            limited_to = ", ".join(sorted(names.get(pk, str(pk)) for pk in connections))
            explanation.not_counted.append(f"{role.slug}: limited to other connections ({limited_to})")
    return explanation


def _how(grant: RoleGrant) -> str:
    assignment = grant.assignment
    source = f"team {assignment.team.slug}" if assignment.team_id else "assigned directly"
    if assignment.ends_at:
        source += f" until {assignment.ends_at:%Y-%m-%d %H:%M} UTC"
    if len(grant.path) == 1:
        return source
    return f"{source} → " + " → ".join(role.slug for role in grant.path[:-1]) + " (composite)"


def roles_including(role: Role) -> set[int]:
    """Ids of `role` and of every composite that includes it, at any depth (one query)."""
    parents: dict[int, set[int]] = defaultdict(set)
    for parent, children in load_inclusions().items():
        for child in children:
            parents[child].add(parent)
    seen, stack = {role.pk}, [role.pk]
    while stack:
        for parent in parents.get(stack.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def role_member_assignments(*, role: Role) -> QuerySet[RoleAssignment]:
    """Assignments (to users and teams) that give `role`, directly or through a composite."""
    return (
        RoleAssignment.objects.filter(role_id__in=roles_including(role))
        .select_related("user", "team", "role", "granted_by")
        .order_by("team__slug", "user__username", "role__slug", "pk")
    )
