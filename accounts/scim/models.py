"""SCIM clients (the directories allowed to push) and what each of them provisioned."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils import timezone


def token_digest(token: str) -> str:
    """What is stored instead of a bearer token: its SHA-256 (the token itself is 256 random bits)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class ScimActor:
    """A SCIM client as the audit log's actor: a label, no user row."""

    label: str
    pk = None
    is_authenticated = True

    def get_username(self) -> str:
        return self.label


class ScimClientQuerySet(models.QuerySet):
    def authenticating(self, token: str) -> ScimClient | None:
        """The enabled client whose bearer token this is, or None."""
        return self.filter(token_digest=token_digest(token), is_active=True).first()


class ScimClient(models.Model):
    """A directory (Entra ID, Okta, …) allowed to provision users and groups through /scim/v2/."""

    name = models.CharField(max_length=100, unique=True)
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    token_hint = models.CharField(
        max_length=12, editable=False, help_text="The token's first characters, to tell tokens apart."
    )
    is_active = models.BooleanField(
        "enabled", default=True, help_text="Untick to refuse every request of this client (401)."
    )
    manages_all_users = models.BooleanField(
        "may manage all users",
        default=False,
        help_text="Let it read and change every user and team, not only those it provisioned. Never staff "
        "or superusers.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    token_rotated_at = models.DateTimeField(default=timezone.now)
    last_sync_at = models.DateTimeField("last sync", null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    objects = ScimClientQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "SCIM client"

    def __str__(self) -> str:
        return self.name

    @property
    def audit_actor(self) -> ScimActor:
        """Who the audit log names for the changes this client makes."""
        return ScimActor(label=f"scim:{self.name}")


class ScimUser(models.Model):
    """A user provisioned by a SCIM client, with the directory's identifiers for them."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scim_link")
    client = models.ForeignKey(ScimClient, on_delete=models.CASCADE, related_name="users")
    external_id = models.CharField(max_length=255, blank=True, db_index=True)
    department = models.CharField(max_length=200, blank=True)
    modified_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(
        null=True, blank=True, help_text="When the directory deleted the user (then deactivated, kept for the audit)."
    )

    class Meta:
        verbose_name = "SCIM-provisioned user"

    def __str__(self) -> str:
        return f"{self.user} from {self.client}"


class ScimGroup(models.Model):
    """A team provisioned by a SCIM client as a group."""

    team = models.OneToOneField("roles.Team", on_delete=models.CASCADE, related_name="scim_link")
    client = models.ForeignKey(ScimClient, on_delete=models.CASCADE, related_name="groups")
    external_id = models.CharField(max_length=255, blank=True, db_index=True)
    revoke_access_on_removal = models.BooleanField(
        default=False,
        help_text="When the directory removes a member, also end their current tokens (else the team's roles "
        "leave with their next token).",
    )
    created_at = models.DateTimeField(default=timezone.now)
    modified_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "SCIM-provisioned group"

    def __str__(self) -> str:
        return f"{self.team} from {self.client}"
