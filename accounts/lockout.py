"""The sign-in lockout (django-axes): who is locked where, and what it records, made safe to store."""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.utils import timezone

from roles.conf import rolegate_settings
from roles.fields import clip_to_field


def lockout_username(request, credentials: dict | None = None) -> str | None:
    """
    The username axes counts failures for (``AXES_USERNAME_CALLABLE``): as typed, but never
    longer than a username can be. Axes stores it in a 255-character column, so a longer
    one typed into the sign-in form would otherwise fail in the database (a 500).
    """
    data = credentials or getattr(request, "data", request.POST)
    username = data.get("username")
    if username is None:
        return None
    User = get_user_model()
    return clip_to_field(User, User.USERNAME_FIELD, str(username))


class UsernameAtAddressLockout(AxesDatabaseHandler):
    """
    django-axes' database handler, locking a username only at the address its failures came from
    (``AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]``), plus an address-wide limit.

    Locking a username everywhere would let anyone lock any user out with five guesses; locking an
    address at five would let one person behind a NAT or proxy lock out everyone there. An address
    is locked only at ``LOGIN_ADDRESS_FAILURE_LIMIT`` failures across all usernames: enough to stop
    password spraying, far above what the people behind one address mistype in a cool-off.
    """

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        return super().is_locked(request, credentials) or self.address_failures(request) >= (
            rolegate_settings.LOGIN_ADDRESS_FAILURE_LIMIT
        )

    @staticmethod
    def address_failures(request) -> int:
        """Failures from the request's address, for any username, within the cool-off."""
        since = timezone.now() - get_cool_off(request)
        attempts = AccessAttempt.objects.filter(ip_address=request.axes_ip_address, attempt_time__gte=since)
        return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
