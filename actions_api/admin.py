from django.contrib import admin
from django.db.models import OuterRef, Subquery
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats
from oauth2_provider.models import get_application_model

from actions_api.models import ActionCall, Customer, Document, Order
from actions_api.resources import CustomerResource, DocumentResource, OrderResource
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


class BusinessDataAdmin(ImportExportModelAdmin):
    """
    Business rows an admin browses, imports and exports as CSV or Excel. An import is previewed
    as a dry run (new, updated, unchanged, and each invalid row with its error) and written only
    when confirmed; see :mod:`actions_api.resources`.
    """

    formats = [base_formats.CSV, base_formats.XLSX]
    show_full_result_count = False
    list_per_page = 50

    def has_import_permission(self, request) -> bool:
        """Importing adds and changes rows: it takes both permissions (the library alone lets any staff user)."""
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request) -> bool:
        return self.has_view_permission(request)


@admin.register(Customer)
class CustomerAdmin(BusinessDataAdmin):
    resource_classes = [CustomerResource]
    list_display = ["name", "region", "country", "email"]
    list_filter = ["region"]
    search_fields = ["name", "country", "email"]


@admin.register(Order)
class OrderAdmin(BusinessDataAdmin):
    resource_classes = [OrderResource]
    list_display = ["reference", "customer", "region", "amount", "currency", "status", "placed_at"]
    list_filter = ["region", "status"]
    search_fields = ["reference", "customer__name"]
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]
    readonly_fields = ["region"]

    def save_model(self, request, obj, form, change):
        obj.region = obj.customer.region  # an order's region is always its customer's
        super().save_model(request, obj, form, change)


@admin.register(Document)
class DocumentAdmin(BusinessDataAdmin):
    resource_classes = [DocumentResource]
    list_display = ["title", "department", "updated_at"]
    list_filter = ["department"]
    search_fields = ["title", "summary"]
