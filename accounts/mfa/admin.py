from django.contrib import admin

from accounts.mfa.models import MfaPolicy


@admin.register(MfaPolicy)
class MfaPolicyAdmin(admin.ModelAdmin):
    """One row (created on first use): who must sign in with a second factor."""

    fields = ["everyone", "admin_site", "roles", "teams"]
    autocomplete_fields = ["roles", "teams"]

    def has_add_permission(self, request) -> bool:
        return not MfaPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
