from __future__ import annotations

from django.db import models
from django.utils import timezone


class MfaPolicy(models.Model):
    """Who must sign in with a second factor. One row, edited in the admin ("Two-step sign-in policy")."""

    everyone = models.BooleanField("require for everyone", default=False)
    admin_site = models.BooleanField(
        "require for the admin site", default=False, help_text="Staff must pass a second factor to open /admin/."
    )
    roles = models.ManyToManyField(
        "roles.Role",
        blank=True,
        related_name="+",
        verbose_name="require for holders of these roles",
        help_text="Assigned directly or through a team. (A role marked 'requires two-step sign-in' is "
        "left out of tokens of sign-ins without one, whether or not it is listed here.)",
    )
    teams = models.ManyToManyField(
        "roles.Team", blank=True, related_name="+", verbose_name="require for members of these teams"
    )

    class Meta:
        verbose_name = verbose_name_plural = "two-step sign-in policy"

    def __str__(self) -> str:
        return "Two-step sign-in policy"

    @classmethod
    def current(cls) -> MfaPolicy:
        return cls.objects.get_or_create(pk=1)[0]


class GrantAuthenticationQuerySet(models.QuerySet):
    def older_than(self, moment) -> GrantAuthenticationQuerySet:
        return self.filter(created_at__lt=moment)

    def of_family(self, token_family) -> GrantAuthenticationQuerySet:
        """The sign-in behind a refresh-token family, first recorded first (a family has one)."""
        return self.filter(token_family=token_family).order_by("pk")


class GrantAuthentication(models.Model):
    """
    How the user signed in (RFC 8176 `amr`) for one authorization code, then for the
    refresh-token family issued from it: the token endpoint has no session, so refreshed
    tokens read it here. Only a checksum of the code is kept.
    """

    code_checksum = models.CharField(max_length=64, unique=True)
    token_family = models.UUIDField(null=True, db_index=True)
    amr = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = GrantAuthenticationQuerySet.as_manager()

    def __str__(self) -> str:
        return " ".join(self.amr)
