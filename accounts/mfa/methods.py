"""How a session signed in, in the vocabulary of RFC 8176 (`amr`) and our `acr` values."""

from __future__ import annotations

from django.contrib.auth import BACKEND_SESSION_KEY
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from roles.claims import MULTI_FACTOR

PASSWORD, FEDERATED, ONE_TIME_CODE, HARDWARE_KEY = "pwd", "fed", "otp", "hwk"
#: `acr` of a sign-in with a second factor, and of one without.
ACR_MULTI_FACTOR, ACR_SINGLE_FACTOR = "urn:rolegate:acr:mfa", "urn:rolegate:acr:password"
FEDERATED_BACKENDS = ("allauth.account.auth_backends.AuthenticationBackend",)


def session_amr(request: HttpRequest) -> list[str]:
    """The methods this request's session signed in with, e.g. ``["pwd", "otp", "mfa"]``."""
    first = FEDERATED if request.session.get(BACKEND_SESSION_KEY) in FEDERATED_BACKENDS else PASSWORD
    device = getattr(request.user, "otp_device", None)
    if device is None:
        return [first]
    second = ONE_TIME_CODE if isinstance(device, (TOTPDevice, StaticDevice)) else HARDWARE_KEY
    return [first, second, MULTI_FACTOR]


def acr_for(amr: list[str]) -> str:
    return ACR_MULTI_FACTOR if MULTI_FACTOR in amr else ACR_SINGLE_FACTOR


def sign_in_claims(amr: list[str] | None) -> dict:
    """`amr` (RFC 8176) and `acr` of the sign-in a token comes from, when it is known."""
    return {"amr": amr, "acr": acr_for(amr)} if amr else {}
