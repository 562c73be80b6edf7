"""Enrolling, checking and removing second factors; remembering how a token's sign-in was made."""

from __future__ import annotations

import datetime as dt

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.mfa.models import GrantAuthentication
from accounts.models import code_checksum
from roles.audit.models import AuditEvent
from roles.audit.services import audit_record
from roles.conf import rolegate_settings

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_CODES_NAME = "Recovery codes"


class CodeLockedOut(Exception):
    """Too many wrong passwords or codes for this account or address: django-axes' lockout applies."""


def mfa_code_verify(*, request: HttpRequest, user, code: str) -> Device | None:
    """
    Checks an authenticator or recovery code of `user` and marks the session verified.
    A wrong code counts as a failed sign-in for django-axes (and the audit log), like a wrong
    password; django-otp also slows down repeated failures of one device.
    """
    credentials = {"username": user.get_username(), "factor": "code"}
    if AxesProxyHandler.is_locked(request, credentials):
        raise CodeLockedOut
    device = match_token(user, "".join(code.split()).lower()) if code.strip() else None
    if device is None:
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        return None
    otp_login(request, device)
    return device


def totp_device_pending(*, user) -> TOTPDevice:
    """The user's authenticator app being set up (unconfirmed until a first code is right)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


@transaction.atomic
def totp_device_confirm(*, request: HttpRequest, device: TOTPDevice, code: str) -> bool:
    """Confirms the pending authenticator with its first code; the session counts as verified by it."""
    if not device.verify_token("".join(code.split())):
        return False
    device.confirmed = True
    device.save()
    if not request.user.is_verified():
        otp_login(request, device)
    return True


@transaction.atomic
def recovery_codes_issue(*, user) -> list[str]:
    """New single-use recovery codes (the old ones stop working); shown to the user once."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_CODES_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    audit_record(action=AuditEvent.Action.UPDATED, target=device, details={"recovery_codes": "issued"})
    return codes


@transaction.atomic
def mfa_device_remove(*, user, device: Device) -> None:
    """Removes one factor; recovery codes go with the last one (they are a fallback, not a factor to keep)."""
    if device.user_id != user.pk:
        raise PermissionError("not this user's device")
    device.delete()
    factors_left = (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()
    )
    if not factors_left:
        StaticDevice.objects.filter(user=user).delete()


# ---------------------------------------------------------------- how a token's sign-in was made
def _lifetime() -> dt.timedelta:
    return dt.timedelta(seconds=rolegate_settings.REFRESH_TOKEN_MAX_AGE_SECONDS)


def grant_authentication_record(*, code: str, amr: list[str]) -> None:
    """Called when an authorization code is issued: the session's `amr` travels with the code."""
    GrantAuthentication.objects.older_than(timezone.now() - _lifetime()).delete()
    GrantAuthentication.objects.create(code_checksum=code_checksum(code), amr=amr)


def grant_authentication_for_code(*, code: str) -> list[str] | None:
    return GrantAuthentication.objects.filter(code_checksum=code_checksum(code)).values_list("amr", flat=True).first()


def grant_authentication_bind_family(*, code: str, token_family) -> None:
    """The refresh-token family issued for `code` keeps the code's `amr` (every rotation shares the family)."""
    GrantAuthentication.objects.filter(code_checksum=code_checksum(code)).update(token_family=token_family)


def grant_authentication_for_family(*, token_family) -> list[str] | None:
    if token_family is None:
        return None
    return GrantAuthentication.objects.of_family(token_family).values_list("amr", flat=True).first()
