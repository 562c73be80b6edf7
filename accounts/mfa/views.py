from __future__ import annotations

import functools
from base64 import b32encode
from urllib.parse import urlencode

from axes.helpers import get_lockout_response
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.mfa import services
from accounts.mfa.forms import CodeForm
from accounts.mfa.qr import qr_svg
from accounts.mfa.selectors import mfa_devices, mfa_enrolled, mfa_required

#: Recovery codes just issued, held in the session for their one showing.
NEW_CODES_SESSION_KEY = "rolegate_new_recovery_codes"
DEVICE_MODELS = {"authenticator": TOTPDevice, "passkey": WebAuthnCredential}


def next_url(request) -> str:
    """Where the flow continues (the GPT's /o/authorize/… during a sign-in); only this site's URLs."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return candidate if safe else ""


def with_next(request, name: str) -> str:
    target = next_url(request)
    return f"{reverse(name)}?{urlencode({'next': target})}" if target else reverse(name)


def second_factor_passed(view):
    """Changing factors needs the session to have passed one already (when the user has any)."""

    @functools.wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if mfa_enrolled(request.user) and not request.user.is_verified():
            return redirect(with_next(request, "mfa-verify"))
        return view(request, *args, **kwargs)

    return wrapped


@login_required
def mfa_verify(request):
    """The second step of a sign-in: a code from the authenticator app, a recovery code, or a passkey."""
    if request.user.is_verified() or not mfa_enrolled(request.user):
        return redirect(next_url(request) or "connections")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.mfa_code_verify(request=request, user=request.user, code=form.cleaned_data["code"])
        except services.CodeLockedOut:
            return get_lockout_response(request, None, {"username": request.user.get_username()})
        if device is not None:
            return redirect(next_url(request) or "connections")
        form.add_error("code", "That code is not right. Check your authenticator app's newest code and try again.")
    return render(
        request,
        "accounts/mfa/verify.html",
        {
            "form": form,
            "next": next_url(request),
            "has_passkey": WebAuthnCredential.objects.filter(user=request.user, confirmed=True).exists(),
        },
        status=200 if form.is_bound is False or not form.errors else 400,
    )


@second_factor_passed
def mfa_settings(request):
    """The user's second factors; also where a user whom the policy requires to enrol is sent."""
    return render(
        request,
        "accounts/mfa/settings.html",
        {
            **mfa_devices(request.user),
            "next": next_url(request),
            "required": mfa_required(request.user),
        },
    )


@second_factor_passed
def mfa_authenticator(request):
    """Sets up an authenticator app: scan the QR code (or type the key), confirm with a first code."""
    device = services.totp_device_pending(user=request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.totp_device_confirm(request=request, device=device, code=form.cleaned_data["code"]):
            return _after_first_factor(request)
        form.add_error("code", "That code is not right. Type the 6 digits your app shows now.")
    return render(
        request,
        "accounts/mfa/authenticator.html",
        {
            "form": form,
            "next": next_url(request),
            "qr_svg": qr_svg(device.config_url),
            "secret": b32encode(device.bin_key).decode(),
        },
    )


@second_factor_passed
def mfa_passkey(request):
    """Registers a passkey (django-otp-webauthn's script talks to its own endpoints)."""
    return render(request, "accounts/mfa/passkey.html", {"next": next_url(request)})


@second_factor_passed
def mfa_recovery_codes(request):
    """Shows just-issued recovery codes once; a POST issues a new set (the old one stops working)."""
    if request.method == "POST":
        request.session[NEW_CODES_SESSION_KEY] = services.recovery_codes_issue(user=request.user)
        return redirect(with_next(request, "mfa-recovery-codes"))
    return render(
        request,
        "accounts/mfa/recovery_codes.html",
        {
            "codes": request.session.pop(NEW_CODES_SESSION_KEY, None),
            "next": next_url(request),
            "left": mfa_devices(request.user)["recovery_codes_left"],
        },
    )


@require_POST
@second_factor_passed
def mfa_device_remove(request, kind: str, pk: int):
    model = DEVICE_MODELS.get(kind)
    if model is None:
        return redirect("mfa-settings")
    services.mfa_device_remove(user=request.user, device=get_object_or_404(model, pk=pk, user=request.user))
    messages.success(request, "Removed.")
    return redirect("mfa-settings")


def _after_first_factor(request):
    """After a first factor, recovery codes; otherwise back to where the user was going."""
    if mfa_devices(request.user)["recovery_codes_left"]:
        return redirect(next_url(request) or "mfa-settings")
    request.session[NEW_CODES_SESSION_KEY] = services.recovery_codes_issue(user=request.user)
    return redirect(with_next(request, "mfa-recovery-codes"))
