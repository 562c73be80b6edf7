"""DOT's registration and introspection endpoints, narrowed to what this portal allows."""

from __future__ import annotations

import hashlib
import json

import jwt
from django.http import HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from oauth2_provider import views as dot_views
from oauth2_provider.compat import login_not_required
from oauth2_provider.models import get_access_token_model
from oauth2_provider.oauth2_backends import get_oauthlib_core
from oauth2_provider.signals import app_authorized
from oauthlib.common import Request as OauthlibRequest

from accounts.oauth_token_saving import issued_access_tokens
from accounts.registration import RegistrationRefused, registration_metadata_check, registration_wait_seconds

AccessToken = get_access_token_model()


def oauth_error(error: str, description: str, *, status: int = 400, **headers: str) -> JsonResponse:
    response = JsonResponse({"error": error, "error_description": description}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


class TokenView(dot_views.TokenView):
    """
    DOT's token endpoint, whose ``app_authorized`` signal (the audit event) gets the access-token
    row this request saved, user and connection loaded, where DOT reads it back by checksum and
    the receiver then loads both (three queries per grant).
    """

    @method_decorator(sensitive_post_parameters("password", "client_secret"))
    def authorization_flow_token_response(self, request, *args, **kwargs) -> HttpResponse:
        with issued_access_tokens() as issued:
            _, headers, body, status = self.create_token_response(request)
        if status == 200:
            app_authorized.send(sender=self, request=request, token=issued[-1] if issued else _token_of(body))
        # JSON also when an error is raised while saving (a lost rotation race, a replayed code): oauthlib
        # then sends no Content-Type, and DOT's default would be text/html (RFC 6749 5.2 says JSON).
        response = HttpResponse(content=body, status=status, content_type="application/json")
        for name, value in headers.items():
            response[name] = value
        return response


class RegistrationView(dot_views.DynamicClientRegistrationView):
    """
    RFC 7591 registration, rate-limited, registering only public authorization-code clients
    (see ``accounts.registration.registration_metadata_check``); every refusal is an RFC 7591 error.
    """

    def post(self, request, *args, **kwargs):
        wait = registration_wait_seconds(request)
        if wait is not None:
            return oauth_error(
                "too_many_requests",
                f"Too many registrations; try again in {wait} s.",
                status=429,
                Retry_After=str(wait),
            )
        try:
            data = json.loads(request.body)
        except RecursionError:
            return oauth_error("invalid_client_metadata", "The request body is nested too deeply.")
        except ValueError:
            return oauth_error("invalid_client_metadata", "The request body must be a JSON object.")
        if not isinstance(data, dict):
            return oauth_error("invalid_client_metadata", "The request body must be a JSON object.")
        try:
            registration_metadata_check(data)
        except RegistrationRefused as refused:
            return oauth_error(refused.error, refused.description)
        return super().post(request, *args, **kwargs)


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(login_not_required, name="dispatch")
class ResourceServerIntrospectionView(View):
    """
    RFC 7662 introspection for resource servers only: a client an admin marked "resource server"
    authenticates with its client credentials (POST, Basic or body) and learns about tokens of its
    own audience; any other token is ``{"active": false}``. Other clients get 403, a caller
    without valid client credentials 401. A token is never read from the query string.
    """

    http_method_names = ["post", "options"]

    def post(self, request, *args, **kwargs):
        client = self._authenticated_client(request)
        if client is None:
            return oauth_error(
                "invalid_client",
                "Authenticate with the resource server's client credentials.",
                status=401,
                WWW_Authenticate='Basic realm="rolegate"',
            )
        if not client.is_resource_server:
            return oauth_error(
                "unauthorized_client",
                "Only a client an admin designated as a resource server may introspect tokens.",
                status=403,
            )
        token = request.POST.get("token")
        if not token:
            return oauth_error("invalid_request", "The token parameter is missing.")
        if _audience_of(token) != client.resource_server_audience:
            return JsonResponse({"active": False})
        return dot_views.IntrospectTokenView.get_token_response(token)

    @staticmethod
    def _authenticated_client(request):
        core = get_oauthlib_core()
        oauthlib_request = OauthlibRequest(*core._extract_params(request))
        if core.server.request_validator.authenticate_client(oauthlib_request):
            return oauthlib_request.client
        return None


def _token_of(body: str):
    """The row of the access token in a token response DOT answered without creating one (no rotation)."""
    checksum = hashlib.sha256(json.loads(body)["access_token"].encode()).hexdigest()
    return AccessToken.objects.get(token_checksum=checksum)


def _audience_of(token: str) -> str | None:
    """
    The `aud` of one of this portal's access tokens, None for anything else. Only a token found
    by its checksum is read, so it is one the portal issued: its signature needs no second check.
    """
    checksum = hashlib.sha256(token.encode()).hexdigest()
    if not AccessToken.objects.filter(token_checksum=checksum).exists():
        return None
    try:
        audience = jwt.decode(token, options={"verify_signature": False}).get("aud")
    except jwt.InvalidTokenError:
        return None
    return audience if isinstance(audience, str) else None
