"""
The admin of roles/, one module per subject; importing the package registers every admin.

``ReadOnlyAdmin``, ``SlugInputFilter`` and ``UserAccessAdminMixin`` are used by other apps' admins.
"""

from roles.admin import assignments, revocations, roles, teams  # noqa: F401  (register their admins)
from roles.admin.base import ReadOnlyAdmin, SlugInputFilter
from roles.admin.users import UserAccessAdminMixin
from roles.audit import admin as audit_admin  # noqa: F401  (the audit log's admin: roles.audit is no app)

__all__ = ["ReadOnlyAdmin", "SlugInputFilter", "UserAccessAdminMixin"]
