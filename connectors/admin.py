from django.contrib import admin

from connectors.models import ClientRegistrationPolicy


@admin.register(ClientRegistrationPolicy)
class ClientRegistrationPolicyAdmin(admin.ModelAdmin):
    """One row: add it once (or it is created on first use), never delete it."""

    list_display = ["__str__", "metadata_hosts"]

    def has_add_permission(self, request) -> bool:
        return not ClientRegistrationPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
