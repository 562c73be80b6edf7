"""Who must use a second factor, and what they have set up."""

from __future__ import annotations

from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.mfa.models import MfaPolicy
from roles.models import RoleAssignment, TeamMembership


def mfa_enrolled(user) -> bool:
    """Whether `user` has a confirmed second factor (then every sign-in asks for it)."""
    return user_has_device(user, confirmed=True)


def mfa_required(user, *, admin_site: bool = False) -> bool:
    """Whether the policy makes `user` set up a second factor (for the admin site, when `admin_site`)."""
    policy = MfaPolicy.current()
    if policy.everyone or (admin_site and policy.admin_site and user.is_staff):
        return True
    if TeamMembership.objects.filter(user=user, team__in=policy.teams.all()).exists():
        return True
    return RoleAssignment.objects.reaching(user).filter(role__in=policy.roles.all()).exists()


def mfa_devices(user) -> dict:
    """The user's confirmed factors, by kind, for the settings page."""
    return {
        "authenticators": TOTPDevice.objects.devices_for_user(user, confirmed=True),
        "passkeys": WebAuthnCredential.objects.filter(user=user, confirmed=True),
        "recovery_codes_left": sum(device.token_set.count() for device in StaticDevice.objects.devices_for_user(user)),
        "any": any(True for _ in devices_for_user(user, confirmed=True)),
    }
