"""Writing audit events. Callers pass plain values; nothing here ever receives a secret."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models

from roles.audit.context import current_actor
from roles.audit.models import AuditEvent

SYSTEM = "system"
_UNSET = object()


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
        target_label=target_label[:255],
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
