"""SCIM clients in the admin: create one (its token shown once), rotate or disable it, see its last sync."""

from __future__ import annotations

from django.contrib import admin, messages

from accounts.scim.models import ScimClient, ScimGroup
from accounts.scim.services import IssuedScimClient, scim_client_disable, scim_client_rotate_token


def _show_token_once(request, issued: IssuedScimClient) -> None:
    messages.warning(
        request,
        f"SCIM client “{issued.client.name}”: base URL {issued.base_url} — token {issued.token} "
        "(shown only now: paste it into the directory's provisioning settings).",
    )


@admin.register(ScimClient)
class ScimClientAdmin(admin.ModelAdmin):
    """Directories allowed to provision; the token is stored hashed and shown once, at creation or rotation."""

    list_display = ["name", "is_active", "manages_all_users", "token_hint", "last_sync_at", "last_error_at"]
    list_filter = ["is_active", "manages_all_users"]
    fields = [
        "name",
        "is_active",
        "manages_all_users",
        "token_hint",
        "token_rotated_at",
        "created_at",
        "last_sync_at",
        "last_error",
        "last_error_at",
    ]
    readonly_fields = ["token_hint", "token_rotated_at", "created_at", "last_sync_at", "last_error", "last_error_at"]
    actions = ["rotate_token", "disable"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            _show_token_once(request, scim_client_rotate_token(client=obj))

    @admin.action(description="Rotate the token (the old one stops working)")
    def rotate_token(self, request, queryset):
        for client in queryset:
            _show_token_once(request, scim_client_rotate_token(client=client))

    @admin.action(description="Disable (refuse every request)")
    def disable(self, request, queryset):
        for client in queryset:
            scim_client_disable(client=client)
        messages.success(request, f"{queryset.count()} SCIM client(s) disabled.")


@admin.register(ScimGroup)
class ScimGroupAdmin(admin.ModelAdmin):
    """Which teams came from which directory, and whether leaving the group ends access at once."""

    list_display = ["team", "client", "external_id", "revoke_access_on_removal", "modified_at"]
    list_editable = ["revoke_access_on_removal"]
    list_filter = ["client", "revoke_access_on_removal"]
    list_select_related = ["team", "client"]
    fields = ["team", "client", "external_id", "revoke_access_on_removal", "created_at", "modified_at"]
    readonly_fields = ["team", "client", "external_id", "created_at", "modified_at"]
    search_fields = ["team__slug", "team__name", "external_id"]

    def has_add_permission(self, request) -> bool:
        return False
