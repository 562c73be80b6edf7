from django.contrib import admin
from django.db.models import OuterRef, Subquery
from oauth2_provider.models import get_application_model

from actions_api.models import ActionCall
from roles.admin import ReadOnlyAdmin


@admin.register(ActionCall)
class ActionCallAdmin(ReadOnlyAdmin):
    """Read-only: what reached the API, for whom, through which connection, and why it was refused."""

    list_display = ["at", "username", "connection", "method", "endpoint", "status", "rows", "reason", "request_id"]
    list_filter = ["status", "method", "at"]
    search_fields = ["username", "subject", "client_id", "endpoint", "reason", "=request_id"]
    date_hierarchy = "at"
    fields = [
        "at",
        "method",
        "endpoint",
        "status",
        "rows",
        "error",
        "reason",
        "username",
        "subject",
        "client_id",
        "connection",
        "duration_ms",
        "request_id",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        names = get_application_model().objects.filter(client_id=OuterRef("client_id")).values("name")[:1]
        return super().get_queryset(request).annotate(connection_name=Subquery(names))

    @admin.display(description="connection", ordering="connection_name")
    def connection(self, call: ActionCall) -> str:
        return call.connection_name or call.client_id or "—"
