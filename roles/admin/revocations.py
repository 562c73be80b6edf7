"""Revocation cut-offs: security records the system writes, so the admin only shows them."""

from __future__ import annotations

from django.contrib import admin

from roles.admin.base import ReadOnlyAdmin
from roles.models import AccessRevocation


@admin.register(AccessRevocation)
class AccessRevocationAdmin(ReadOnlyAdmin):
    """Written by every revocation (user, connection, or one token); deleting one would silently undo it."""

    list_display = ["user", "client_id", "token_id", "revoked_before", "reason"]
    ordering = ["-revoked_before"]
    search_fields = ["user__username", "client_id", "token_id"]
    list_select_related = ["user"]
    show_full_result_count = False
