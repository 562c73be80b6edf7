"""
What access means: permissions, data scopes, roles, and who holds them.

A role grants permissions (what kind of data: ``orders.read``) and data scopes (which rows:
``region = EMEA``). A user's effective claims are computed in :mod:`roles.claims`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

#: The wildcard value: a data scope with it grants every value of its attribute.
ALL_VALUES = "*"

permission_code_validator = RegexValidator(
    r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$", "Use the form resource.action, e.g. orders.read."
)
attribute_validator = RegexValidator(r"^[a-z][a-z0-9_]*$", "Use lowercase letters, digits and _, e.g. region.")


class ApiPermission(models.Model):
    """A kind of access the API checks, e.g. ``orders.read``."""

    code = models.CharField(max_length=100, unique=True, validators=[permission_code_validator])
    description = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "API permission"

    def __str__(self) -> str:
        return self.code


class RoleQuerySet(models.QuerySet):
    def held_by(self, user) -> RoleQuerySet:
        """Roles assigned to `user`."""
        return self.filter(assignments__user=user).distinct()


class Role(models.Model):
    """A named bundle of permissions and data scopes, e.g. ``sales-emea``."""

    slug = models.SlugField(max_length=100, unique=True, help_text="Stable name carried in tokens.")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    permissions = models.ManyToManyField(ApiPermission, blank=True, related_name="roles")

    objects = RoleQuerySet.as_manager()

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name or self.slug


class RoleDataScope(models.Model):
    """One allowed value of one attribute (``region = EMEA``); ``*`` allows every value."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="data_scopes")
    attribute = models.CharField(max_length=100, validators=[attribute_validator])
    value = models.CharField(max_length=200, help_text="An allowed value, or * for every value.")

    class Meta:
        ordering = ["attribute", "value"]
        constraints = [
            models.UniqueConstraint(fields=["role", "attribute", "value"], name="unique_role_scope_value")
        ]
        verbose_name = "data scope"

    def __str__(self) -> str:
        return f"{self.attribute} = {self.value}"


class RoleAssignment(models.Model):
    """A user holds a role: who granted it and when."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="assignments")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["role__slug"]
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="unique_user_role")]

    def __str__(self) -> str:
        return f"{self.user} → {self.role.slug}"
