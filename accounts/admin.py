from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from oauth2_provider.admin import ApplicationAdmin

from accounts import services
from accounts.models import ClientRegistrationPolicy, SigningKey, User
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


class ConnectionAdmin(ApplicationAdmin):
    """DOT's application admin, showing which clients registered themselves and whether they are active."""

    list_display = ["name", "client_id", "client_type", "registration_source", "is_active", "created"]
    list_filter = ["is_active", "registration_source", "client_type"]
    search_fields = ["name", "client_id"]
    actions = ["disable"]

    @admin.action(description="Disable selected connections (they get invalid_client)")
    def disable(self, request, queryset):
        count = services.applications_disable(applications=queryset)
        self.message_user(request, f"Disabled {count} connection(s).")


@admin.register(ClientRegistrationPolicy)
class ClientRegistrationPolicyAdmin(admin.ModelAdmin):
    """One row: add it once (or it is created on first use), never delete it."""

    list_display = ["__str__", "metadata_hosts"]

    def has_add_permission(self, request) -> bool:
        return not ClientRegistrationPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
