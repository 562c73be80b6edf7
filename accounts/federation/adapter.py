"""django-allauth adapters: where allauth asks Rolegate what to do."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.base.constants import AuthError

from accounts.federation import services
from accounts.federation.failures import failure_reason, refusal_response
from accounts.federation.models import IdentityProvider
from accounts.federation.saml import saml_settings

#: The backend recorded in a federated user's session (it only reloads the user by id).
FEDERATED_SESSION_BACKEND = "django.contrib.auth.backends.ModelBackend"


class AccountAdapter(DefaultAccountAdapter):
    """Nobody signs themselves up: accounts come from the admin, invitations or an IdP."""

    def is_open_for_signup(self, request) -> bool:
        return False

    def login(self, request, user) -> None:
        """
        Signs in a user the IdP vouched for. allauth's own password backend stays out of
        AUTHENTICATION_BACKENDS: a second password check for existing users only would let
        response times tell which usernames exist.
        """
        user.backend = FEDERATED_SESSION_BACKEND
        super().login(request, user)


def social_app(identity_provider: IdentityProvider) -> SocialApp:
    """The allauth app (unsaved) for an IdP: our model is the one place IdPs are configured."""
    if identity_provider.protocol == IdentityProvider.Protocol.SAML:
        # allauth names a SAML IdP by its client_id (the "organization slug" in its URLs).
        return SocialApp(
            provider="saml",
            provider_id=identity_provider.slug,
            client_id=identity_provider.slug,
            name=identity_provider.name,
            settings=saml_settings(identity_provider),
        )
    return SocialApp(
        provider=identity_provider.protocol,
        provider_id=identity_provider.slug,
        name=identity_provider.name,
        client_id=identity_provider.client_id,
        secret=identity_provider.client_secret,
        settings={"server_url": identity_provider.issuer, "scope": identity_provider.scopes.split()},
    )


class IdentityProviderAdapter(DefaultSocialAccountAdapter):
    """Serves IdPs from Rolegate's own table and applies Rolegate's linking and group rules."""

    def list_apps(self, request, provider=None, client_id=None) -> list[SocialApp]:
        providers = IdentityProvider.objects.active().for_provider(provider)
        if client_id:
            providers = providers.with_client_id(client_id)
        return [social_app(identity_provider) for identity_provider in providers]

    def is_open_for_signup(self, request, sociallogin) -> bool:
        # New users are created in pre_social_login, under our rules; allauth's signup form never shows.
        return False

    def pre_social_login(self, request, sociallogin) -> None:
        """The IdP vouched for the user: find or create their account, then align their teams."""
        identity_provider = IdentityProvider.objects.active().get(slug=sociallogin.account.provider)
        try:
            user = services.federated_user_resolve(
                identity_provider=identity_provider, sociallogin=sociallogin, request=request
            )
        except services.SignInRefused as refusal:
            services.federated_sign_in_failed(identity_provider=identity_provider, reason=refusal.reason)
            raise ImmediateHttpResponse(
                refusal_response(
                    request,
                    identity_provider=identity_provider,
                    reason=refusal.reason,
                    email=refusal.email,
                    next_url=sociallogin.state.get("next") or "",
                )
            ) from None
        claims = services.federated_claims(sociallogin)
        services.team_memberships_sync(
            user=user,
            identity_provider=identity_provider,
            groups=services.group_values(claims, identity_provider.groups_claim),
        )

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None) -> None:
        """Any failure at the IdP or in its answer: an audit event and a page that explains (never a 500)."""
        identity_provider = IdentityProvider.objects.filter(slug=getattr(provider, "sub_id", "")).first()
        extra_context = extra_context or {}
        reason = failure_reason(
            error=error,
            exception=exception,
            state_found="state" in extra_context,
            cancelled=error == AuthError.CANCELLED,
            saml_errors=extra_context.get("saml_errors"),
        )
        services.federated_sign_in_failed(
            identity_provider=identity_provider,
            reason=reason,
            detail=type(exception).__name__ if exception else str(error or ""),
        )
        state = extra_context.get("state") or {}
        raise ImmediateHttpResponse(
            refusal_response(
                request,
                identity_provider=identity_provider,
                reason=reason,
                next_url=state.get("next") or "",
            )
        )
