"""The audit log in the admin: read-only, filterable, exportable as CSV."""

from __future__ import annotations

import json

from django.contrib import admin
from django.utils import timezone

from roles.admin import ReadOnlyAdmin, SlugInputFilter
from roles.audit.csv_export import csv_download
from roles.audit.models import AuditEvent


class ActorFilter(SlugInputFilter):
    title = "actor (username)"
    parameter_name = "actor_label"
    lookup = "actor_label"
    placeholder = "username, then Enter"


class TargetFilter(SlugInputFilter):
    title = "target"
    parameter_name = "target_label"
    lookup = "target_label"
    placeholder = "exact name, then Enter"


class TargetTypeFilter(admin.SimpleListFilter):
    title = "kind of target"
    parameter_name = "target_type"

    def lookups(self, request, model_admin):
        from roles.audit.tracking import TRACKED

        return [(label, label) for label in sorted(TRACKED)]

    def queryset(self, request, queryset):
        return queryset.filter(target_type=self.value()) if self.value() else queryset


CSV_COLUMNS = ["occurred_at", "actor_label", "action", "target_type", "target_id", "target_label", "changes", "details"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "actor_label", "action", "target_type", "target_label", "change_summary"]
    list_filter = ["action", TargetTypeFilter, ("occurred_at", admin.DateFieldListFilter), ActorFilter, TargetFilter]
    search_fields = ["actor_label", "target_label", "target_id"]
    fields = [
        "occurred_at",
        "actor_label",
        "actor",
        "action",
        "target_type",
        "target_id",
        "target_label",
        "changes_json",
        "details_json",
    ]
    readonly_fields = fields
    raw_id_fields = ["actor"]
    actions = ["export_csv"]
    show_full_result_count = False
    list_per_page = 100

    @admin.display(description="changes")
    def change_summary(self, event: AuditEvent) -> str:
        summary = ", ".join(sorted(event.changes)) if event.changes else ""
        return summary[:120]

    @admin.display(description="changes (field: [before, after])")
    def changes_json(self, event: AuditEvent) -> str:
        return json.dumps(event.changes, indent=2, ensure_ascii=False)

    @admin.display(description="details")
    def details_json(self, event: AuditEvent) -> str:
        return json.dumps(event.details, indent=2, ensure_ascii=False)

    @admin.action(description="Export the selected events as CSV", permissions=["view"])
    def export_csv(self, request, queryset):
        """Streams every selected event ("select all" exports everything the filters match)."""
        rows = queryset.order_by("occurred_at", "id").values_list(*CSV_COLUMNS).iterator(chunk_size=2000)
        return csv_download(
            header=CSV_COLUMNS,
            rows=(
                [
                    row[0].isoformat(),
                    *row[1:6],
                    json.dumps(row[6], ensure_ascii=False),
                    json.dumps(row[7], ensure_ascii=False),
                ]
                for row in rows
            ),
            filename=f"audit-{timezone.now():%Y%m%d-%H%M%S}.csv",
        )
