"""Who must use a second factor, and what they have set up."""

from __future__ import annotations

from django.db.models import Q
from django_otp import device_classes, devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.mfa.models import MfaPolicy
from roles.models import RoleAssignment


def mfa_enrolled(user) -> bool:
    """
    Whether `user` has a confirmed second factor (then every sign-in asks for it). One query
    over every kind of device: the gate asks on each page of a signed-in, unverified session.
    """
    kinds = [model.objects.filter(user=user, confirmed=True).values("pk") for model in device_classes()]
    return kinds[0].union(*kinds[1:]).exists()


def mfa_required(user, *, admin_site: bool = False) -> bool:
    """Whether the policy makes `user` set up a second factor (for the admin site, when `admin_site`); one query."""
    applies = (
        Q(everyone=True)
        | Q(teams__memberships__user=user)
        | Q(roles__in=RoleAssignment.objects.reaching(user).values("role_id"))
    )
    if admin_site and user.is_staff:
        applies |= Q(admin_site=True)
    return MfaPolicy.objects.filter(applies).exists()


def mfa_devices(user) -> dict:
    """The user's confirmed factors, by kind, for the settings page."""
    return {
        "authenticators": TOTPDevice.objects.devices_for_user(user, confirmed=True),
        "passkeys": WebAuthnCredential.objects.filter(user=user, confirmed=True),
        "recovery_codes_left": sum(device.token_set.count() for device in StaticDevice.objects.devices_for_user(user)),
        "any": any(True for _ in devices_for_user(user, confirmed=True)),
    }
