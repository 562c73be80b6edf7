"""
The enterprise extension's ``department`` as a data scope (off unless ``SCIM_DEPARTMENT_DATA_SCOPE``
names an attribute, e.g. ``department``).

A provisioned user in department "HR" holds the role ``scim-department-hr``, which grants only the
data scope ``department = HR``; what they may do with it still comes from their other roles. Claims
stay computed in one place (``roles.claims``): this only manages an ordinary role assignment.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.utils.text import slugify

from roles.fields import clip_to_field
from roles.models import Role, RoleAssignment, RoleDataScope

ROLE_PREFIX = "scim-"


def department_role_prefix(attribute: str) -> str:
    return f"{ROLE_PREFIX}{attribute.replace('_', '-')}-"


def department_sync(*, user, department: str, created: bool) -> None:
    """Gives `user` the data scope of their department, and takes the previous one's away."""
    attribute = settings.SCIM_DEPARTMENT_DATA_SCOPE
    if not attribute:
        return
    prefix = department_role_prefix(attribute)
    role = _department_role(attribute, prefix, department) if department.strip() else None
    held = RoleAssignment.objects.filter(user=user, role__slug__startswith=prefix)
    if not created:
        for assignment in held.exclude(role=role):
            assignment.delete()
    if role is not None and not held.filter(role=role).exists():
        RoleAssignment.objects.create(user=user, role=role)


def _department_role(attribute: str, prefix: str, department: str) -> Role:
    value = clip_to_field(RoleDataScope, "value", department.strip())
    slug = f"{prefix}{slugify(value) or hashlib.sha256(value.encode()).hexdigest()[:12]}"
    role, created = Role.objects.get_or_create(
        slug=clip_to_field(Role, "slug", slug),
        defaults={
            "name": clip_to_field(Role, "name", f"{attribute}: {value} (from the directory)"),
            "description": "Created by SCIM provisioning: grants only this data scope.",
        },
    )
    if created:
        RoleDataScope.objects.create(role=role, attribute=attribute, value=value)
    return role
