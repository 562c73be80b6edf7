from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class InvitationQuerySet(models.QuerySet):
    def pending(self) -> InvitationQuerySet:
        return self.filter(accepted_at__isnull=True, cancelled_at__isnull=True)


class Invitation(models.Model):
    """
    An invitation to create an account. Its link is signed (see accounts.invitations.tokens): it
    expires, and stops working once accepted, cancelled or sent again.
    """

    email = models.EmailField()
    roles = models.ManyToManyField("roles.Role", blank=True, related_name="+")
    teams = models.ManyToManyField("roles.Team", blank=True, related_name="+")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, editable=False)
    accepted_at = models.DateTimeField(null=True, editable=False)
    cancelled_at = models.DateTimeField(null=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        help_text="The account made by accepting it.",
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.email

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.cancelled_at:
            return "cancelled"
        return "pending"
