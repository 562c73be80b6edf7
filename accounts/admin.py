from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import SigningKey, User
from roles.admin import UserAccessAdminMixin


@admin.register(User)
class UserAdmin(UserAccessAdminMixin, DjangoUserAdmin):
    """Django's user admin plus roles, teams, bulk role actions, revocation and an access preview."""

    list_display = ["username", "email", "first_name", "last_name", "is_active", "is_staff"]


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    """Read-only: keys are created and retired by commands, and the private half is never shown."""

    list_display = ["kid", "created_at", "retired_at"]
    fields = ["kid", "created_at", "retired_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
