"""
Building blocks of the roles admin, built to stay fast with 100,000 users and 1,000 roles: every
list and change page runs a fixed number of queries (autocomplete instead of long selects,
related rows shown read-only from one query, no full counts).
"""

from __future__ import annotations

from django.contrib import admin

from roles.models import RoleAssignment


class SlugInputFilter(admin.SimpleListFilter):
    """A text box instead of a list of every choice (there may be thousands of roles or teams)."""

    template = "admin/roles/input_filter.html"
    lookup: str = ""
    placeholder = "slug, then Enter"

    def lookups(self, request, model_admin):
        return [("", "")]  # the filter is shown only when it has choices; the box is the choice

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        return queryset.filter(**{self.lookup: value}) if value else queryset

    def choices(self, changelist):
        everything = next(iter(super().choices(changelist)))
        everything["placeholder"] = self.placeholder
        everything["hidden_params"] = [
            (name, value)
            for name, values in changelist.get_filters_params().items()
            if name != self.parameter_name
            for value in (values if isinstance(values, list) else [values])
        ]
        yield everything


class ExistingRowsInline(admin.TabularInline):
    """
    Lists existing related rows read-only from one query (no widget per row), with a delete box;
    new rows are added by the companion :class:`NewRowsInline`.
    """

    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        """The rows with the parent and every related row they show, in the one query."""
        shown = (self.fk_name, *self.fields)
        return (
            super()
            .get_queryset(request)
            .select_related(*(name for name in shown if self.model._meta.get_field(name).is_relation))
        )


class NewRowsInline(admin.TabularInline):
    """Blank forms only, to add related rows with autocomplete."""

    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).none()


class RoleAssignmentsInline(ExistingRowsInline):
    """The roles a user or a team holds (``fk_name``), with their period and who granted them."""

    model = RoleAssignment
    fields = readonly_fields = ["role", "starts_at", "ends_at", "granted_by", "granted_at"]


class AddRoleAssignmentsInline(NewRowsInline):
    """Gives the user or the team (``fk_name``) roles, possibly for a period only."""

    model = RoleAssignment
    fields = ["role", "starts_at", "ends_at"]
    autocomplete_fields = ["role"]


class GrantedByStampMixin:
    """Records the admin as the granter of the role assignments its inlines add."""

    def save_formset(self, request, form, formset, change):
        for instance in formset.save(commit=False):
            if isinstance(instance, RoleAssignment) and instance.pk is None:
                instance.granted_by = request.user
            instance.save()
        for instance in formset.deleted_objects:
            instance.delete()
        formset.save_m2m()


class ReadOnlyAdmin(admin.ModelAdmin):
    """
    For records that only the system writes (audit events, API calls, signing keys, revocations):
    browse, never add, edit or delete; deleting a security record would silently undo it.
    """

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
