"""Role assignments on their own list: who holds which role, since and until when."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils import timezone

from roles.admin.base import SlugInputFilter
from roles.models import RoleAssignment


class HolderKindFilter(admin.SimpleListFilter):
    title = "held by"
    parameter_name = "holder"

    def lookups(self, request, model_admin):
        return [("user", "users"), ("team", "teams")]

    def queryset(self, request, queryset):
        if self.value() == "user":
            return queryset.filter(team__isnull=True)
        if self.value() == "team":
            return queryset.filter(user__isnull=True)
        return queryset


class AssignmentStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", "in force"), ("scheduled", "starts later"), ("ended", "ended")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "active":
            return queryset.active(now)
        if self.value() == "scheduled":
            return queryset.filter(starts_at__gt=now)
        if self.value() == "ended":
            return queryset.filter(ends_at__lte=now)
        return queryset


class RoleSlugFilter(SlugInputFilter):
    title = "role"
    parameter_name = "role_slug"
    lookup = "role__slug"


class AssignmentForm(forms.ModelForm):
    """The fields an admin edits; the model's clean() reports "user or team" and period errors."""

    class Meta:
        model = RoleAssignment
        fields = ["role", "user", "team", "starts_at", "ends_at"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    form = AssignmentForm
    list_display = ["holder", "role", "starts_at", "ends_at", "granted_by", "granted_at"]
    list_filter = [AssignmentStateFilter, HolderKindFilter, RoleSlugFilter]
    search_fields = ["user__username", "user__email", "team__slug", "role__slug"]
    autocomplete_fields = ["user", "team", "role"]
    readonly_fields = ["granted_by", "granted_at"]
    list_select_related = ["user", "team", "role", "granted_by"]
    show_full_result_count = False

    @admin.display(description="user or team")
    def holder(self, assignment: RoleAssignment) -> str:
        return assignment.holder_label

    def save_model(self, request, obj, form, change):
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)
