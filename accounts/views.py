from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST
from oauth2_provider.views import AuthorizationView

from accounts import services
from accounts.discovery import authorization_server_metadata
from accounts.models import SigningKey
from accounts.signing_keys import JWKS_MAX_AGE_SECONDS
from roles.claims import effective_claims


@require_GET
@cache_control(public=True, max_age=300)
def server_metadata(request):
    """OpenID Connect discovery and RFC 8414 metadata: one document, served at both well-known URLs."""
    return JsonResponse(authorization_server_metadata())


@require_GET
@cache_control(public=True, max_age=JWKS_MAX_AGE_SECONDS)
def jwks(request):
    """Every published public signing key; keys stay listed after rotation until retired."""
    if not SigningKey.objects.published().exists():
        SigningKey.objects.generate()
    return JsonResponse({"keys": [key.public_jwk for key in SigningKey.objects.published()]})


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"


class LogoutView(auth_views.LogoutView):
    """Signs out on POST; a GET (a link, a phone's back button) shows a confirmation instead."""

    template_name = "accounts/logged_out.html"

    def get(self, request, *args, **kwargs):
        return render(request, "accounts/logout_confirm.html")


class ConsentView(AuthorizationView):
    """DOT's authorization endpoint, with a consent page that says what the GPT will see."""

    template_name = "accounts/consent.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "application" in context:
            context["access"] = effective_claims(user=self.request.user, application=context["application"])
        return context


@login_required
def connected_apps(request):
    """The apps this user signed into, each with a button that ends its access."""
    return render(request, "accounts/connected_apps.html", {"connections": services.connected_apps(user=request.user)})


@login_required
@require_POST
def revoke_app(request, client_id: str):
    services.app_access_revoke(user=request.user, client_id=client_id)
    return redirect("connected-apps")
