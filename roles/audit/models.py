"""
The audit log: who changed access, who signed in (or failed to), which tokens were issued.

Rows are only ever added. Values are plain JSON; secrets (passwords, client secrets, tokens)
are never stored, only the fact that they changed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        CREATED = "created"
        UPDATED = "updated"
        DELETED = "deleted"
        SIGN_IN = "sign_in", "signed in"
        SIGN_IN_FAILED = "sign_in_failed", "sign-in failed"
        TOKEN_ISSUED = "token_issued", "token issued"
        ACCESS_REVOKED = "access_revoked", "access revoked"

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField("actor", max_length=150, help_text="Username at the time, or 'system'.")
    action = models.CharField(max_length=20, choices=Action.choices, db_index=True)
    target_type = models.CharField(max_length=100, db_index=True, help_text="app_label.model, e.g. roles.role")
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField("target", max_length=255, blank=True)
    changes = models.JSONField(default=dict, blank=True, help_text="field: [before, after]")
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]
        verbose_name = "audit event"

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.target_label}"
