"""Starting a federated sign-in: from an IdP button or from an email typed on the sign-in page."""

from __future__ import annotations

from urllib.error import URLError

from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.saml.views import finish_acs
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from requests import RequestException

from accounts.federation import services
from accounts.federation.failures import refusal_response
from accounts.federation.models import IdentityProvider


def federated_sign_in_start(
    request, identity_provider: IdentityProvider, *, next_url: str, login_hint: str = ""
) -> HttpResponse:
    """Sends the browser to the IdP (allauth keeps `next`: the OAuth request to continue afterwards)."""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    try:
        provider = get_adapter(request).get_provider(request, identity_provider.slug)
    except SocialApp.DoesNotExist:
        raise Http404("No such identity provider.") from None
    options = {}
    if hasattr(provider, "get_auth_params"):  # OpenID Connect: the IdP may pre-fill the typed email
        options["auth_params"] = {**provider.get_auth_params(), **({"login_hint": login_hint} if login_hint else {})}
    try:
        # Reads the IdP's discovery document or metadata: the first moment an unreachable IdP shows.
        return provider.redirect(request, process="login", next_url=next_url or None, **options)
    except (RequestException, URLError) as error:
        services.federated_sign_in_failed(
            identity_provider=identity_provider, reason="unreachable", detail=type(error).__name__
        )
        return refusal_response(request, identity_provider=identity_provider, reason="unreachable", next_url=next_url)


@require_POST
def sign_in_with(request, slug: str) -> HttpResponse:
    """An IdP button on the sign-in page (a POST: a link could start sign-ins on someone's behalf)."""
    identity_provider = IdentityProvider.objects.active().filter(slug=slug).first()
    if identity_provider is None:
        return redirect("login")
    return federated_sign_in_start(request, identity_provider, next_url=request.POST.get("next", ""))


def saml_finish_acs(request, organization_slug: str) -> HttpResponse:
    """
    allauth's last SAML step. A response whose sign-in (InResponseTo) is unknown to this browser
    — replayed, or started elsewhere — makes allauth raise PermissionDenied: explain it instead.
    """
    try:
        return finish_acs(request, organization_slug=organization_slug)
    except PermissionDenied:
        identity_provider = IdentityProvider.objects.filter(slug=organization_slug).first()
        services.federated_sign_in_failed(identity_provider=identity_provider, reason="state_mismatch")
        return refusal_response(request, identity_provider=identity_provider, reason="state_mismatch")
