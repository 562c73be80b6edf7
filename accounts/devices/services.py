"""Recording and ending a user's browser sessions."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.http import HttpRequest

from accounts.devices.models import DeviceSession
from roles.fields import clip_to_field


def _session_store(session_key: str | None = None):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)


def device_session_record(*, request: HttpRequest, user) -> DeviceSession | None:
    """Links the request's (new) session to `user`; called on every sign-in."""
    if not request.session.session_key:
        request.session.save()
    device, _ = DeviceSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "user_agent": clip_to_field(DeviceSession, "user_agent", request.META.get("HTTP_USER_AGENT", "")),
            "ip_address": request.META.get("REMOTE_ADDR") or None,
        },
    )
    return device


def device_session_rekey(*, request: HttpRequest, old_key: str | None) -> None:
    """Follows a session whose key was cycled (a password change keeps the user signed in)."""
    if old_key:
        DeviceSession.objects.filter(session_key=old_key).update(session_key=request.session.session_key)


def device_session_end(*, user, pk: int) -> bool:
    """Signs `user` out on one of their devices; False when it is not theirs (or already ended)."""
    device = DeviceSession.objects.filter(user=user, pk=pk).first()
    if device is None:
        return False
    _session_store(device.session_key).delete()
    device.delete()
    return True


def device_sessions_end(*, user, keep_session_key: str | None = None) -> int:
    """Signs `user` out everywhere (but on the session `keep_session_key`); returns how many ended."""
    devices = DeviceSession.objects.filter(user=user).exclude(session_key=keep_session_key or "")
    keys = list(devices.values_list("session_key", flat=True))
    for key in keys:
        _session_store(key).delete()
    devices.delete()
    return len(keys)


def _on_sign_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        device_session_record(request=request, user=user)


def _on_sign_out(sender, request, user, **kwargs) -> None:
    if request is not None and request.session.session_key:
        DeviceSession.objects.filter(session_key=request.session.session_key).delete()


def connect() -> None:
    user_logged_in.connect(_on_sign_in, dispatch_uid="devices:sign_in")
    user_logged_out.connect(_on_sign_out, dispatch_uid="devices:sign_out")
