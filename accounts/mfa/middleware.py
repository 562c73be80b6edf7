from __future__ import annotations

import time
from urllib.parse import urlencode

from django.contrib.auth.signals import user_logged_in
from django.shortcuts import redirect
from django.urls import reverse

from accounts.mfa.selectors import mfa_enrolled, mfa_required
from roles.conf import rolegate_settings

#: Pages a signed-in but unverified user may open: the second-factor pages themselves, signing
#: out, static files, and what is never session-authenticated (OAuth token endpoints, API, MCP).
OPEN_PREFIXES = (
    "/accounts/mfa/",
    "/accounts/logout/",
    "/webauthn/",
    "/static/",
    "/o/token/",
    "/o/revoke_token/",
    "/o/introspect/",
    "/o/userinfo/",
    "/api/",
    "/mcp",
    "/.well-known/",
    "/healthz",
    "/readyz",
)
#: The session remembers what the gate found (no query on every page) for MFA_GATE_RECHECK_SECONDS.
GATE_SESSION_KEY = "rolegate_mfa_gate"


def gate_state(user) -> dict:
    """What the gate needs about `user`: has a factor; must have one (anywhere, or for the admin site)."""
    required = mfa_required(user)
    return {
        "at": int(time.time()),
        "enrolled": mfa_enrolled(user),
        "required": required,
        "admin": required or (user.is_staff and mfa_required(user, admin_site=True)),
    }


class MfaGateMiddleware:
    """
    Deny by default: a signed-in user who has a second factor sees nothing but the code page
    until the session passed it; one whom the policy requires to have one is sent to set it up.
    Either way the page they asked for (the GPT's /o/authorize/… included) comes next.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The path first: on the open prefixes (the API's and MCP's bearer calls above all) the
        # lazy `request.user` is never loaded (its session and second-factor lookups are skipped).
        if request.path.startswith(OPEN_PREFIXES):
            return self.get_response(request)
        user = request.user
        if user.is_authenticated and not user.is_verified():
            step = self._step(request)
            if step is not None:
                return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _step(request) -> str | None:
        state = request.session.get(GATE_SESSION_KEY)
        if state is None or time.time() - state["at"] > rolegate_settings.MFA_GATE_RECHECK_SECONDS:
            state = request.session[GATE_SESSION_KEY] = gate_state(request.user)
        if state["enrolled"]:
            return "mfa-verify"
        if state["admin" if request.path.startswith("/admin/") else "required"]:
            return "mfa-settings"
        return None


def _remember_at_sign_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[GATE_SESSION_KEY] = gate_state(user)


def connect() -> None:
    user_logged_in.connect(_remember_at_sign_in, dispatch_uid="mfa:gate_state")
