"""
Business steps on roles, teams and access. Admin actions and commands are thin wrappers.

Single-row changes are audited by the model signals (see ``audit.tracking``); the bulk steps
here bypass those signals for speed and record one audit event per row themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from roles.audit.context import recorded_by_caller
from roles.audit.models import AuditEvent
from roles.audit.services import audit_event, audit_record_many
from roles.graph import ensure_no_cycle
from roles.models import (
    ApiPermission,
    Role,
    RoleAssignment,
    RoleInclusion,
    Team,
    TeamMembership,
    validate_period,
)
from roles.revocations import user_access_revoke

BATCH_SIZE = 2000


@transaction.atomic
def role_include(*, role: Role, included: Iterable[Role]) -> list[RoleInclusion]:
    """Makes `role` a composite that also grants `included`; refuses any cycle, at any depth."""
    existing = set(RoleInclusion.objects.filter(role=role).values_list("included_role_id", flat=True))
    included = [other for other in included if other.pk not in existing]
    ensure_no_cycle(role_id=role.pk, included_ids=[other.pk for other in included])
    inclusions = []
    for other in included:
        inclusion = RoleInclusion(role=role, included_role=other)
        inclusion.save()
        inclusions.append(inclusion)
    return inclusions


def role_assign(
    *,
    role: Role,
    user=None,
    team: Team | None = None,
    granted_by=None,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
) -> RoleAssignment:
    """Gives `role` to a user or a team, possibly for a period only."""
    assignment = RoleAssignment(
        role=role, user=user, team=team, granted_by=granted_by, starts_at=starts_at, ends_at=ends_at
    )
    assignment.full_clean()
    assignment.save()
    return assignment


@transaction.atomic
def role_assign_to_users(
    *,
    role: Role,
    users: QuerySet,
    granted_by=None,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
) -> int:
    """Gives `role` to every user of `users` who does not hold it directly yet; returns how many got it."""
    validate_period(starts_at, ends_at)
    holders = set(RoleAssignment.objects.filter(role=role, user__in=users).values_list("user_id", flat=True))
    now = timezone.now()
    created = 0
    user_ids = users.exclude(pk__in=holders).values_list("pk", "username")
    for batch in _batches(user_ids.iterator(chunk_size=BATCH_SIZE)):
        assignments = RoleAssignment.objects.bulk_create(
            [
                RoleAssignment(
                    role=role, user_id=pk, granted_by=granted_by, granted_at=now, starts_at=starts_at, ends_at=ends_at
                )
                for pk, _ in batch
            ]
        )
        audit_record_many(
            audit_event(
                action=AuditEvent.Action.CREATED,
                target=assignment,
                target_label=f"{username} → {role.slug}",
                changes={name: [None, value] for name, value in _assignment_values(assignment).items()},
            )
            for assignment, (_, username) in zip(assignments, batch, strict=True)
        )
        created += len(assignments)
    return created


@transaction.atomic
def role_remove_from_users(*, role: Role, users: QuerySet, revoke_access: bool = False, reason: str = "") -> int:
    """
    Takes `role` (assigned directly) away from `users`; returns how many lost it.

    With `revoke_access`, their current tokens stop working too (else the role stays in tokens
    already issued until they expire).
    """
    return _delete_audited(
        list(RoleAssignment.objects.filter(role=role, user__in=users).select_related("user")),
        label=lambda assignment: f"{assignment.user} → {role.slug}",
        values=_assignment_values,
        revoke_access=revoke_access,
        reason=reason or f"lost role {role.slug}",
    )


@transaction.atomic
def team_add_members(*, team: Team, users: QuerySet) -> int:
    """Puts `users` in `team` (those not in it yet); returns how many joined."""
    members = set(team.memberships.values_list("user_id", flat=True))
    joined = 0
    for batch in _batches(users.exclude(pk__in=members).values_list("pk", "username").iterator(chunk_size=BATCH_SIZE)):
        memberships = TeamMembership.objects.bulk_create([TeamMembership(team=team, user_id=pk) for pk, _ in batch])
        audit_record_many(
            audit_event(
                action=AuditEvent.Action.CREATED,
                target=membership,
                target_label=f"{username} in {team.slug}",
                changes={"team": [None, team.pk], "user": [None, membership.user_id]},
            )
            for membership, (_, username) in zip(memberships, batch, strict=True)
        )
        joined += len(memberships)
    return joined


@transaction.atomic
def team_remove_members(*, team: Team, users: QuerySet, revoke_access: bool = False, reason: str = "") -> int:
    """
    Takes `users` out of `team`; returns how many left. The team's roles leave with their next
    token, or at once with `revoke_access` (their current tokens stop working too).
    """
    return _delete_audited(
        list(team.memberships.filter(user__in=users).select_related("user")),
        label=lambda membership: f"{membership.user} in {team.slug}",
        values=lambda membership: {"team": team.pk, "user": membership.user_id},
        revoke_access=revoke_access,
        reason=reason or f"left team {team.slug}",
    )


def _delete_audited(
    rows: list[RoleAssignment] | list[TeamMembership],
    *,
    label: Callable[[Any], str],
    values: Callable[[Any], dict],
    revoke_access: bool,
    reason: str,
) -> int:
    """
    Deletes the assignments or memberships `rows` with one audit event each (the bulk way, past
    the model signals); with `revoke_access` their users' current tokens stop working too.
    """
    if not rows:
        return 0
    audit_record_many(
        audit_event(
            action=AuditEvent.Action.DELETED,
            target=row,
            target_label=label(row),
            changes={name: [value, None] for name, value in values(row).items()},
        )
        for row in rows
    )
    with recorded_by_caller():
        type(rows[0]).objects.filter(pk__in=[row.pk for row in rows]).delete()
    if revoke_access:
        user_access_revoke(users=get_user_model().objects.filter(pk__in={row.user_id for row in rows}), reason=reason)
    return len(rows)


def _assignment_values(assignment: RoleAssignment) -> dict:
    """What the audit log records of an assignment (its fields that are set)."""
    values = {
        "user": assignment.user_id,
        "team": assignment.team_id,
        "role": assignment.role_id,
        "starts_at": assignment.starts_at.isoformat() if assignment.starts_at else None,
        "ends_at": assignment.ends_at.isoformat() if assignment.ends_at else None,
        "granted_by": assignment.granted_by_id,
    }
    return {name: value for name, value in values.items() if value is not None}


def _batches(rows: Iterable, size: int = BATCH_SIZE):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass(frozen=True)
class PermissionRegistration:
    """What :func:`permissions_register` changed."""

    created: list[str]
    no_longer_used: list[str]


@transaction.atomic
def permissions_register(*, required: Mapping[str, str]) -> PermissionRegistration:
    """
    Makes every permission code in `required` (code -> plain-language description) exist and be
    marked as used; flags every other permission as no longer used. Nothing is deleted, and a
    description an admin wrote is kept: the registry only fills in empty ones.
    """
    existing = {permission.code: permission for permission in ApiPermission.objects.all()}
    created = [
        ApiPermission.objects.create(code=code, description=required[code], in_use=True).code
        for code in sorted(set(required) - set(existing))
    ]
    for code, permission in existing.items():
        in_use = code in required
        description = permission.description or required.get(code, "")
        if (permission.in_use, permission.description) != (in_use, description):
            permission.in_use, permission.description = in_use, description
            permission.save(update_fields=["in_use", "description"])
    return PermissionRegistration(
        created=created, no_longer_used=sorted(code for code in existing if code not in required)
    )
