"""The staff dashboard: what the admin should do next, and what the GPTs have been doing."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.template.response import TemplateResponse
from django.utils import timezone

from actions_api.dashboard import charts, selectors

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
            rows=selectors.calls_per_hour_by_status(since=hours[0]), bucket_key="hour", buckets=hours,
            series=CALL_SERIES, label=lambda hour: f"{hour:%H}:00", label_every=4,
        ),
        "sign_ins": charts.column_chart(
            rows=selectors.sign_ins_and_tokens_per_day(since=days[0]), bucket_key="day", buckets=days,
            series=SIGN_IN_SERIES, label=lambda day: f"{day:%d %b}", label_every=3,
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
