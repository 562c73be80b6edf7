from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class DeviceSessionQuerySet(models.QuerySet):
    def of(self, user) -> DeviceSessionQuerySet:
        return self.filter(user=user).order_by("-signed_in_at")


class DeviceSession(models.Model):
    """
    One browser session of a user. Django's sessions carry no user column, so this row links
    a session key to its user: to list a user's devices and to end their sessions (sign-out
    elsewhere, password reset, offboarding) whatever the session engine.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="device_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    user_agent = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    signed_in_at = models.DateTimeField(default=timezone.now)

    objects = DeviceSessionQuerySet.as_manager()

    class Meta:
        verbose_name = "signed-in device"

    def __str__(self) -> str:
        return f"{self.user_id} since {self.signed_in_at:%Y-%m-%d %H:%M}"
