"""Writing audit events. Callers pass plain values; nothing here ever receives a secret."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import models

from roles.audit.context import current_actor
from roles.audit.models import AuditEvent
from roles.fields import clip_to_field

SYSTEM = "system"
_UNSET = object()
#: What the log may say about a person: erased when they are (right to erasure); their id stays.
PERSONAL_FIELDS = ("username", "email", "first_name", "last_name")
PERSONAL_DETAILS = ("ip", "user_agent")
ERASED = "(erased)"


def target_type_of(model: type[models.Model]) -> str:
    return model._meta.label_lower


def audit_event(
    *,
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str = "",
    target_label: str = "",
    changes: dict | None = None,
    details: dict | None = None,
    actor=_UNSET,
) -> AuditEvent:
    """An unsaved event; `actor` defaults to whoever is acting now (see audit.context)."""
    actor = current_actor() if actor is _UNSET else actor
    if target is not None:
        target_type = target_type or target_type_of(type(target))
        target_id = target_id or str(target.pk)
        target_label = target_label or str(target)
    return AuditEvent(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor.get_username() if actor is not None else SYSTEM,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=clip_to_field(AuditEvent, "target_label", target_label),
        changes=changes or {},
        details=details or {},
    )


def audit_record(**kwargs) -> AuditEvent:
    """Records one event now (see :func:`audit_event` for the arguments)."""
    event = audit_event(**kwargs)
    event.save()
    return event


def audit_record_many(events: Iterable[AuditEvent], *, batch_size: int = 2000) -> None:
    """Records events made by :func:`audit_event` in bulk (bulk changes made by services)."""
    AuditEvent.objects.bulk_create(events, batch_size=batch_size)


def erased_person_label(user_id: int) -> str:
    return f"erased user #{user_id}"


def audit_person_erase(*, user_id: int, username: str) -> int:
    """
    Right to erasure: the events of a person stay (under their id) but lose what identifies
    them (name, email, address, browser). Idempotent; run before the user row is deleted (the
    delete clears `actor`) and again after (for the deletion's own event). Returns how many rows changed.
    """
    label = erased_person_label(user_id)
    user_type = target_type_of(get_user_model())
    events = AuditEvent.objects.filter(
        models.Q(actor_id=user_id)
        | models.Q(target_type=user_type, target_id=str(user_id))
        | models.Q(action=AuditEvent.Action.SIGN_IN_FAILED, target_type=user_type, target_label=username)
        # Their role assignments and team memberships: labelled "username → role".
        | models.Q(changes__user__0=user_id)
        | models.Q(changes__user__1=user_id)
    )
    changed = []
    for event in events.iterator(chunk_size=2000):
        if event.actor_id == user_id:
            event.actor_label = label
        if event.target_type == user_type and event.target_id in (str(user_id), ""):
            event.target_id, event.target_label = str(user_id), label
        else:
            event.target_label = event.target_label.replace(username, label)
        event.changes = {
            name: [ERASED if value not in (None, "") else value for value in values]
            if name in PERSONAL_FIELDS
            else values
            for name, values in event.changes.items()
        }
        event.details = {name: value for name, value in event.details.items() if name not in PERSONAL_DETAILS}
        changed.append(event)
    AuditEvent.objects.bulk_update(
        changed, ["actor_label", "target_id", "target_label", "changes", "details"], batch_size=2000
    )
    return len(changed)
