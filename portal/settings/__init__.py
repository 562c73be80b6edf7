"""
Rolegate settings, read from the environment (12-factor).

Every variable has a default that is safe for the local demo; production must set
SECRET_KEY, DEBUG=false, ALLOWED_HOSTS, PORTAL_BASE_URL and DATABASE_URL (see README).
Grouped by subject, one module each; only ``base`` is read by the others:

- ``base``: the environment, Rolegate's own settings (``ROLEGATE``), apps, middleware, data, cache, HTTPS
- ``sign_in``: users, passwords, email, two-step sign-in, identity providers, lockout
- ``api``: OAuth 2 / OpenID Connect, the Actions API and its OpenAPI document, SCIM
- ``operations``: logs, metrics, the admin's spreadsheets

Settings import no app code: what names app code does so by import string.
"""

from portal.settings.api import *  # noqa: F403
from portal.settings.base import *  # noqa: F403
from portal.settings.operations import *  # noqa: F403
from portal.settings.sign_in import *  # noqa: F403
