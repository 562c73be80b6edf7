from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import SigningKey, User
from roles.admin import stamp_granted_by
from roles.models import RoleAssignment


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "user"
    extra = 1
    autocomplete_fields = ["role"]
    readonly_fields = ["granted_by", "granted_at"]
    verbose_name_plural = "Roles"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [RoleAssignmentInline]
    list_display = ["username", "email", "first_name", "last_name", "is_active", "is_staff"]

    def save_formset(self, request, form, formset, change):
        stamp_granted_by(request, formset)


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    """Read-only: keys are created and retired by commands, and the private half is never shown."""

    list_display = ["kid", "created_at", "activates_at", "rotated_at", "retired_at"]
    fields = ["kid", "created_at", "activates_at", "rotated_at", "retired_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
