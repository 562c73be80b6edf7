"""
Reads for the staff dashboard: a handful of aggregate queries over an indexed time range.

Every figure is a GROUP BY over a recent time range (the ``at`` and ``occurred_at``
indexes bound the rows read), so the page costs the same few queries whether the log holds a
thousand calls or a million; nothing is loaded row by row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.db.models.functions import TruncDay, TruncHour
from django.urls import reverse
from oauth2_provider.models import get_application_model

from actions_api.models import ActionCall
from roles.audit.models import AuditEvent
from roles.models import RoleAssignment

TOP_CONNECTIONS = 5
#: The endpoint a GPT calls for "who am I?": a successful call proves the whole chain works.
WHO_AM_I_ENDPOINT = "/api/v1/me"


@dataclass(frozen=True)
class ChecklistStep:
    title: str
    done: bool
    how: str
    url: str


def setup_checklist() -> list[ChecklistStep]:
    """What a new deployment needs before a GPT can read anything, each ticked once done (four EXISTS queries)."""
    users = get_user_model().objects.filter(is_active=True, is_staff=False).exists()
    roles = RoleAssignment.objects.filter(role__permissions__isnull=False).exists()
    connection = get_application_model().objects.exists()
    who_am_i = ActionCall.objects.filter(endpoint=WHO_AM_I_ENDPOINT, status=200).exists()
    return [
        ChecklistStep(
            "People who can sign in",
            users,
            "Add users (or an identity provider that creates them).",
            reverse("admin:accounts_user_changelist"),
        ),
        ChecklistStep(
            "A role that grants data, given to someone",
            roles,
            "Create a role from the registered permissions and data scopes, then assign it.",
            reverse("admin:roles_role_changelist"),
        ),
        ChecklistStep(
            "A GPT connection",
            connection,
            "Add a GPT connection and paste its values into the GPT editor.",
            reverse("admin:accounts_gptconnection_changelist"),
        ),
        ChecklistStep(
            "A first \u201cwho am I?\u201d call",
            who_am_i,
            "Ask your GPT \u201cwho am I?\u201d: the call appears in the Action-call log.",
            reverse("admin:actions_api_actioncall_changelist"),
        ),
    ]


def calls_per_hour_by_status(*, since: dt.datetime) -> list[dict]:
    """Action calls since `since`: one row per hour with its calls by status class (2xx/3xx, 4xx, 5xx)."""
    return list(
        ActionCall.objects.filter(at__gte=since)
        .annotate(hour=TruncHour("at"))
        .values("hour")
        .annotate(
            ok=Count("id", filter=Q(status__lt=400)),
            refused=Count("id", filter=Q(status__gte=400, status__lt=500)),
            failed=Count("id", filter=Q(status__gte=500)),
        )
        .order_by("hour")
    )


def refusals_by_reason(*, since: dt.datetime) -> list[dict]:
    """Refused calls (4xx) since `since` by the error code the caller was given, most frequent first."""
    return list(
        ActionCall.objects.filter(at__gte=since, status__gte=400, status__lt=500)
        .values("error", "status")
        .annotate(count=Count("id"))
        .order_by("-count", "error")[:8]
    )


def sign_ins_and_tokens_per_day(*, since: dt.datetime) -> list[dict]:
    """Sign-ins and tokens issued per day since `since` (from the audit log)."""
    return list(
        AuditEvent.objects.filter(
            occurred_at__gte=since, action__in=[AuditEvent.Action.SIGN_IN, AuditEvent.Action.TOKEN_ISSUED]
        )
        .annotate(day=TruncDay("occurred_at"))
        .values("day")
        .annotate(
            sign_ins=Count("id", filter=Q(action=AuditEvent.Action.SIGN_IN)),
            tokens=Count("id", filter=Q(action=AuditEvent.Action.TOKEN_ISSUED)),
        )
        .order_by("day")
    )


def top_connections(*, since: dt.datetime) -> list[dict]:
    """The connections that made the most calls since `since`, with their names (two queries)."""
    rows = list(
        ActionCall.objects.filter(at__gte=since)
        .exclude(client_id="")
        .values("client_id")
        .annotate(count=Count("id"), refused=Count("id", filter=Q(status__gte=400, status__lt=500)))
        .order_by("-count", "client_id")[:TOP_CONNECTIONS]
    )
    names = dict(
        get_application_model()
        .objects.filter(client_id__in=[row["client_id"] for row in rows])
        .values_list("client_id", "name")
    )
    return [{**row, "name": names.get(row["client_id"]) or row["client_id"]} for row in rows]
