from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from accounts.mfa.selectors import mfa_enrolled, mfa_required

#: Pages a signed-in but unverified user may open: the second-factor pages themselves, signing
#: out, static files, and what is never session-authenticated (OAuth token endpoints, API, MCP).
OPEN_PREFIXES = (
    "/accounts/mfa/", "/accounts/logout/", "/webauthn/", "/static/", "/o/token/", "/o/revoke_token/",
    "/o/introspect/", "/o/userinfo/", "/api/", "/mcp", "/.well-known/", "/healthz", "/readyz",
)


class MfaGateMiddleware:
    """
    Deny by default: a signed-in user who has a second factor sees nothing but the code page
    until the session passed it; one whom the policy requires to have one is sent to set it up.
    Either way the page they asked for (the GPT's /o/authorize/… included) comes next.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified() and not request.path.startswith(OPEN_PREFIXES):
            step = self._step(request)
            if step is not None:
                return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _step(request) -> str | None:
        if mfa_enrolled(request.user):
            return "mfa-verify"
        if mfa_required(request.user, admin_site=request.path.startswith("/admin/")):
            return "mfa-settings"
        return None
