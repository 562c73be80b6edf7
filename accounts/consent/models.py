"""The consent the user gave, remembered so that exactly the same request need not ask again."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class ConsentApproval(models.Model):
    """
    What a user allowed on the consent page: this connection, sending to this callback URL, these
    scopes, this resource. The page is skipped only for exactly the same request again (a new GPT
    id, scope or resource asks again), and "Revoke access" forgets it.
    """

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    application = models.ForeignKey("accounts.Application", on_delete=models.CASCADE, related_name="+")
    redirect_uri = models.TextField()
    scope = models.TextField(blank=True)
    resource = models.TextField(blank=True)
    approved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "application"])]

    def __str__(self) -> str:
        return f"{self.user_id} allowed {self.application_id} ({self.scope})"

    @staticmethod
    def lookup(*, user, connection, redirect_uri: str, scopes, resources) -> dict:
        """The fields naming one approval; scopes and resources compare as sets."""
        return {
            "user": user,
            "application": connection,
            "redirect_uri": redirect_uri,
            "scope": " ".join(sorted(set(scopes))),
            "resource": " ".join(sorted(set(resources))),
        }
