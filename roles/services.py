"""
Business steps on roles, teams and access. Admin actions and commands are thin wrappers.

Single-row changes are audited by the model signals (see ``audit.tracking``); the bulk steps
here bypass those signals for speed and record one audit event per row themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from roles.audit.context import recorded_by_caller
from roles.audit.models import AuditEvent
from roles.audit.services import audit_event, audit_record_many
from roles.graph import ensure_no_cycle
from roles.models import (
    Role,
    RoleAssignment,
    RoleInclusion,
    Team,
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
    if starts_at and ends_at and ends_at <= starts_at:
        raise ValueError("The end must be after the start.")
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
                changes=_assignment_changes(assignment),
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
    assignments = RoleAssignment.objects.filter(role=role, user__in=users).select_related("user")
    removed = list(assignments)
    audit_record_many(
        audit_event(
            action=AuditEvent.Action.DELETED,
            target=assignment,
            target_label=f"{assignment.user} → {role.slug}",
            changes={name: [before, None] for name, (_, before) in _assignment_changes(assignment).items()},
        )
        for assignment in removed
    )
    with recorded_by_caller():
        RoleAssignment.objects.filter(pk__in=[assignment.pk for assignment in removed]).delete()
    if revoke_access and removed:
        user_access_revoke(
            users=get_user_model().objects.filter(pk__in=[assignment.user_id for assignment in removed]),
            reason=reason or f"lost role {role.slug}",
        )
    return len(removed)


def _assignment_changes(assignment: RoleAssignment) -> dict:
    values = {
        "user": assignment.user_id,
        "team": assignment.team_id,
        "role": assignment.role_id,
        "starts_at": assignment.starts_at.isoformat() if assignment.starts_at else None,
        "ends_at": assignment.ends_at.isoformat() if assignment.ends_at else None,
        "granted_by": assignment.granted_by_id,
    }
    return {name: [None, value] for name, value in values.items() if value is not None}


def _batches(rows: Iterable, size: int = BATCH_SIZE):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
