"""API permissions and roles: what a role grants, the roles it includes, and who holds it."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from roles.admin.base import ExistingRowsInline, NewRowsInline
from roles.claims import role_claims
from roles.forms import RoleDataScopeForm, RoleDataScopeFormSet
from roles.models import ApiPermission, Role, RoleDataScope, RoleInclusion
from roles.selectors import role_member_assignments


@admin.register(ApiPermission)
class ApiPermissionAdmin(admin.ModelAdmin):
    list_display = ["code", "description", "in_use"]
    list_filter = ["in_use"]
    search_fields = ["code", "description"]
    show_full_result_count = False


class RoleDataScopeInline(admin.TabularInline):
    model = RoleDataScope
    form, formset = RoleDataScopeForm, RoleDataScopeFormSet  # values chosen from the data, not typed
    extra = 1
    verbose_name_plural = "Data scopes (which rows: attribute = value, * for every value)"


class IncludedRolesInline(ExistingRowsInline):
    model = RoleInclusion
    fk_name = "role"
    fields = readonly_fields = ["included_role"]
    verbose_name_plural = "Included roles (this role also grants everything they grant)"


class AddIncludedRolesInline(NewRowsInline):
    model = RoleInclusion
    fk_name = "role"
    fields = ["included_role"]
    autocomplete_fields = ["included_role"]
    verbose_name_plural = "Include more roles"


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "permission_list", "limited_to", "members_link"]
    search_fields = ["slug", "name", "description"]
    list_filter = ["permissions"]
    filter_horizontal = ["permissions"]
    autocomplete_fields = ["connections"]
    prepopulated_fields = {"slug": ["name"]}
    fields = [
        "name",
        "slug",
        "description",
        "permissions",
        "connections",
        "requires_mfa",
        "members_link",
        "rows_visible",
    ]
    readonly_fields = ["members_link", "rows_visible"]
    inlines = [RoleDataScopeInline, IncludedRolesInline, AddIncludedRolesInline]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("permissions", "connections")

    @admin.display(description="permissions")
    def permission_list(self, role: Role) -> str:
        return ", ".join(permission.code for permission in role.permissions.all())

    @admin.display(description="connections")
    def limited_to(self, role: Role) -> str:
        return ", ".join(connection.name for connection in role.connections.all()) or "all"

    @admin.display(description="members")
    def members_link(self, role: Role) -> str:
        if role.pk is None:
            return "—"
        return format_html('<a href="{}">members</a>', reverse("admin:roles_role_members", args=[role.pk]))

    @admin.display(description="rows it lets a GPT read")
    def rows_visible(self, role: Role) -> str:
        if role.pk is None:
            return "—"
        from actions_api.staff.preview import rows_visible  # the API's own collections and querysets

        counts = format_html_join(
            ", ",
            "{}: {}",
            (
                (name, "no permission" if count is None else count)
                for name, count in rows_visible(claims=role_claims(role=role))
            ),
        )
        return format_html('{} · <a href="{}">see what it sees</a>', counts, reverse("role-sees", args=[role.pk]))

    def get_urls(self):
        return [
            path("<path:object_id>/members/", self.admin_site.admin_view(self.members_view), name="roles_role_members"),
            *super().get_urls(),
        ]

    def members_view(self, request, object_id):
        """Who holds this role: users and teams, directly or through a composite; paginated."""
        role = get_object_or_404(Role, pk=object_id)
        if not self.has_view_permission(request, role):
            raise PermissionDenied
        page = Paginator(role_member_assignments(role=role), 100).get_page(request.GET.get("page"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Members of {role.slug}",
            "role": role,
            "page": page,
            "now": timezone.now(),
        }
        return TemplateResponse(request, "admin/roles/role_members.html", context)
