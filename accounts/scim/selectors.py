"""What a SCIM client may see and change: what it provisioned (or everyone), never staff or superusers."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from accounts.scim.models import ScimClient
from roles.models import Team


def manageable_users(client: ScimClient) -> QuerySet:
    """Users the client may read and change; users it deleted are gone to it."""
    users = (
        get_user_model().objects.filter(is_staff=False, is_superuser=False).exclude(scim_link__deleted_at__isnull=False)
    )
    return users if client.manages_all_users else users.filter(scim_link__client=client)


def manageable_teams(client: ScimClient) -> QuerySet:
    """Teams the client may read and change as groups."""
    return Team.objects.all() if client.manages_all_users else Team.objects.filter(scim_link__client=client)
