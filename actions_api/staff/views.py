"""Staff pages: what to do next, what the GPTs have been doing, and what a user or a role lets a GPT see."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import get_application_model

from actions_api.staff import charts, preview, selectors
from roles.claims import effective_claims, role_claims
from roles.models import Role

HOURS, DAYS = 24, 14
CALL_SERIES = [
    charts.Series("ok", "answered", "ok"),
    charts.Series("refused", "refused (4xx)", "refused"),
    charts.Series("failed", "failed (5xx)", "failed"),
]
SIGN_IN_SERIES = [charts.Series("sign_ins", "sign-ins", "ok"), charts.Series("tokens", "tokens issued", "tokens")]


@staff_member_required
def dashboard(request):
    """Checklist and charts; a fixed number of aggregate queries whatever the size of the logs."""
    now = timezone.now()
    hours, days = charts.last_hours(now, HOURS), charts.last_days(now, DAYS)
    refusals = selectors.refusals_by_reason(since=days[0])
    connections = selectors.top_connections(since=days[0])
    context = {
        **admin.site.each_context(request),
        "title": "Dashboard",
        "checklist": selectors.setup_checklist(),
        "calls": charts.column_chart(
            rows=selectors.calls_per_hour_by_status(since=hours[0]),
            bucket_key="hour",
            buckets=hours,
            series=CALL_SERIES,
            label=lambda hour: f"{hour:%H}:00",
            label_every=4,
        ),
        "sign_ins": charts.column_chart(
            rows=selectors.sign_ins_and_tokens_per_day(since=days[0]),
            bucket_key="day",
            buckets=days,
            series=SIGN_IN_SERIES,
            label=lambda day: f"{day:%d %b}",
            label_every=3,
        ),
        "refusals": charts.bar_chart(
            items=[(f"{row['status']} {row['error'] or 'no error code'}", row["count"]) for row in refusals]
        ),
        "connections": charts.bar_chart(
            items=[(f"{row['name']} ({row['refused']} refused)", row["count"]) for row in connections]
        ),
        "hours": HOURS,
        "days": DAYS,
    }
    return TemplateResponse(request, "actions_api/dashboard.html", context)


@staff_member_required
def user_sees(request, pk: int):
    """The rows `user`'s next token for the chosen connection would let a GPT read (nothing minted or logged)."""
    if not request.user.has_perm("accounts.view_user"):
        raise PermissionDenied
    user = get_object_or_404(get_user_model(), pk=pk)
    client_id = request.GET.get("connection", "").strip()
    connection = get_application_model().objects.filter(client_id=client_id).first() if client_id else None
    claims = effective_claims(user=user, connection=connection)
    return _sees_page(
        request,
        subject=f"user {user.get_username()}",
        claims=claims,
        extra={
            "connections": get_application_model().objects.order_by("name").values("client_id", "name")[:200],
            "connection": connection,
            "connection_unknown": bool(client_id) and connection is None,
            "back": reverse("admin:accounts_user_change", args=[user.pk]),
        },
    )


@staff_member_required
def role_sees(request, pk: int):
    """The rows holding `role` alone (with the roles it includes) lets a GPT read."""
    if not request.user.has_perm("roles.view_role"):
        raise PermissionDenied
    role = get_object_or_404(Role, pk=pk)
    return _sees_page(
        request,
        subject=f"role {role.slug}",
        claims=role_claims(role=role),
        extra={
            "back": reverse("admin:roles_role_change", args=[role.pk]),
        },
    )


def _sees_page(request, *, subject: str, claims, extra: dict):
    context = {
        **admin.site.each_context(request),
        "title": f"See what {subject} sees",
        "claims": claims.as_token_claims(),
        "collections": preview.collections_as_seen(claims=claims),
        **extra,
    }
    return TemplateResponse(request, "actions_api/see_what_they_see.html", context)
