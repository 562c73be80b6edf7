from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.models import get_application_model
from oauth2_provider.views import AuthorizationView
from oauthlib.oauth2.rfc6749 import errors
from oauthlib.oauth2.rfc6749.errors import CustomOAuth2Error

from accounts import selectors, services
from accounts.connections import refused_callback_help
from accounts.discovery import authorization_server_metadata
from accounts.federation import selectors as federation
from accounts.federation.views import federated_sign_in_start
from accounts.forms import LoginForm
from accounts.mfa.methods import session_amr
from accounts.mfa.services import grant_authentication_record
from accounts.models import SigningKey
from accounts.resources import UnknownResource, token_audience
from accounts.signing_keys import active_signing_key
from actions_api.staff.selectors import setup_checklist
from roles.claims import effective_claims
from roles.conf import rolegate_settings
from roles.descriptions import access_in_words
from roles.selectors import access_explanation

Application = get_application_model()
#: oauthlib's errors for an unknown client or a callback URL the connection does not accept.
REFUSED_CLIENT_OR_CALLBACK = (
    errors.InvalidClientIdError,
    errors.MissingClientIdError,
    errors.InvalidRedirectURIError,
    errors.MissingRedirectURIError,
    errors.MismatchingRedirectURIError,
)


@require_GET
@cache_control(public=True, max_age=300)
def server_metadata(request):
    """OpenID Connect discovery and RFC 8414 metadata: one document, served at both well-known URLs."""
    return JsonResponse(authorization_server_metadata())


@require_GET
def jwks(request):
    """Every published public signing key; keys stay listed after rotation until retired."""
    active_signing_key()  # a fresh deployment's first key is made here if no token was signed yet
    response = JsonResponse({"keys": [key.public_jwk for key in SigningKey.objects.published()]})
    patch_cache_control(response, public=True, max_age=rolegate_settings.JWKS_MAX_AGE_SECONDS)
    return response


class LoginView(auth_views.LoginView):
    """The sign-in page ChatGPT opens; names the connection the user is signing into when there is one."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm

    def post(self, request, *args, **kwargs):
        """Home-realm discovery: an email of an IdP's domain goes to that IdP, never to a password check."""
        typed = request.POST.get("username", "")
        identity_provider = federation.identity_provider_for_email(typed)
        if identity_provider is not None:
            return federated_sign_in_start(
                request, identity_provider, next_url=self.get_redirect_url(), login_hint=typed.strip()
            )
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["identity_providers"] = federation.sign_in_buttons()
        query = parse_qs(urlsplit(context.get("next") or "").query)
        client_id = query.get("client_id", [""])[0]
        connection = Application.objects.filter(client_id=client_id).first() if client_id else None
        if connection is not None:
            context["connection"] = connection
            # The same warning as the consent page: a self-registered client chose its own name.
            context["return_host"] = urlsplit(query.get("redirect_uri", [""])[0]).hostname
        return context


def csrf_failure(request, reason: str = ""):
    """A sign-in or consent form posted after its page expired (CSRF_FAILURE_VIEW)."""
    return render(request, "accounts/expired.html", status=403)


class LogoutView(auth_views.LogoutView):
    """Signs out on POST; a GET (a link, a phone's back button) shows a confirmation instead."""

    template_name = "accounts/logged_out.html"
    # Django's LogoutView answers only POST; a GET must reach the confirmation page below.
    http_method_names = ["get", "post", "options"]

    def get(self, request, *args, **kwargs):
        return render(request, "accounts/logout_confirm.html")


class ConsentView(AuthorizationView):
    """DOT's authorization endpoint, with a consent page that says what the GPT will see."""

    template_name = "accounts/consent.html"

    def validate_authorization_request(self, request):
        """
        Also refuses, before sign-in, a `resource` (RFC 8707) this portal issues no tokens for, and
        any response mode but `query`.
        """
        scopes, credentials = super().validate_authorization_request(request)
        response_mode = request.GET.get("response_mode", "query")
        if response_mode != "query":
            # Discovery advertises only `query`: a code in a fragment or a form post is never sent.
            raise OAuthToolkitError(
                error=CustomOAuth2Error(
                    error="invalid_request",
                    state=credentials.get("state"),
                    description=f"response_mode '{response_mode}' is not supported; only 'query' is.",
                ),
                redirect_uri=credentials["redirect_uri"],
            )
        try:
            token_audience(requested=request.GET.getlist("resource"))
        except UnknownResource as error:
            raise OAuthToolkitError(
                error=CustomOAuth2Error(error="invalid_target", description=str(error), state=credentials.get("state")),
                redirect_uri=credentials["redirect_uri"],
            ) from None
        return scopes, credentials

    def dispatch(self, request, *args, **kwargs):
        # An unknown client or a refused callback URL is shown before sign-in: signing in
        # could not help, and the builder testing the GPT sees the cause at once.
        if request.method == "GET" and not request.user.is_authenticated:
            try:
                self.validate_authorization_request(request)
            except OAuthToolkitError as error:
                if isinstance(error.oauthlib_error, REFUSED_CLIENT_OR_CALLBACK):
                    return self.error_response(error, application=None)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        # The client may not waive consent: DOT's `approval_prompt=auto` (skip when any token
        # exists) is dropped, so DOT asks unless the admin marked the connection trusted, and
        # render_to_response below skips only a request the user already allowed as is.
        if "approval_prompt" in request.GET:
            request.GET = request.GET.copy()
            del request.GET["approval_prompt"]
        return super().get(request, *args, **kwargs)

    def render_to_response(self, context, **response_kwargs):
        """The consent page, unless the user allowed exactly this before (and `prompt=consent` is absent)."""
        if self._consent_remembered(context):
            form = self.get_form_class()(data={**self.get_initial(), "allow": True})
            if form.is_valid():
                return self.form_valid(form)
        return super().render_to_response(context, **response_kwargs)

    def _consent_remembered(self, context) -> bool:
        if "error" in context or "form" not in context or "consent" in self.request.GET.get("prompt", "").split():
            return False
        return selectors.consent_remembered(
            user=self.request.user,
            connection=context["application"],
            redirect_uri=context["redirect_uri"],
            scopes=context["scopes"],
            resources=context.get("resource", "").split(),
        )

    def form_valid(self, form):
        """Also remembers an approval that led to a code, for `_consent_remembered`."""
        response = super().form_valid(form)
        if form.cleaned_data.get("allow") and self.success_url:
            services.consent_approval_record(
                user=self.request.user,
                connection=Application.objects.get(client_id=form.cleaned_data["client_id"]),
                redirect_uri=form.cleaned_data["redirect_uri"],
                scopes=form.cleaned_data["scope"].split(),
                resources=(form.cleaned_data.get("resource") or "").split(),
            )
        return response

    def create_authorization_response(self, request, scopes, credentials, allow):
        """A code issued now carries how this session signed in (`amr`) to the token endpoint."""
        uri, headers, body, status = super().create_authorization_response(request, scopes, credentials, allow)
        code = parse_qs(urlsplit(uri).query).get("code", [""])[0]
        if code:
            grant_authentication_record(code=code, amr=session_amr(request))
        return uri, headers, body, status

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "application" in context:
            access = effective_claims(
                user=self.request.user, connection=context["application"], amr=session_amr(self.request)
            )
            context["access"], context["access_in_words"] = access, access_in_words(access)
            # A self-registered client chose its own name: show where approval really sends the user.
            context["return_host"] = urlsplit(context.get("redirect_uri") or "").hostname
        return context

    def error_response(self, error, application, **kwargs):
        """A refused client or callback URL: say what was received and how to allow it (never redirect)."""
        if isinstance(error.oauthlib_error, REFUSED_CLIENT_OR_CALLBACK):
            params = self.request.GET if self.request.method == "GET" else self.request.POST
            client_id = params.get("client_id", "")
            kwargs.update(
                client_id=client_id,
                connection=Application.objects.filter(client_id=client_id).first() if client_id else None,
            )
            kwargs.update(
                refused_callback_help(
                    connection=kwargs["connection"], client_id=client_id, redirect_uri=params.get("redirect_uri", "")
                )
            )
        return super().error_response(error, application, **kwargs)


@login_required
def connection_list(request):
    """The connections this user signed into, each with a button that ends its access."""
    connections = selectors.user_connections(user=request.user)
    return render(request, "accounts/connections.html", {"connections": connections})


@login_required
@require_POST
def connection_revoke(request, pk: int):
    """Ends a connection's access; only one this user signed into can be named (others are a 404)."""
    connection = get_object_or_404(selectors.user_connections(user=request.user), pk=pk)
    if services.connection_access_revoke(user=request.user, client_id=connection.client_id):
        messages.success(
            request,
            "Access revoked. The connection loses access within seconds and must ask you to sign in again.",
        )
    return redirect("connections")


def home(request):
    """
    `/`: anonymous visitors sign in; a signed-in user sees the access their next token carries and
    their connections; staff also see the first-run checklist and a way to the dashboard.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    explanation = access_explanation(user=request.user)
    context = {"explanation": explanation, "access_in_words": access_in_words(explanation.claims)}
    if request.user.is_staff:
        context["checklist"] = setup_checklist()
    return render(request, "accounts/home.html", context)
