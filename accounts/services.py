"""Business steps on OAuth connections and on a user's grants."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Min
from oauth2_provider.generators import generate_client_id, generate_client_secret
from oauth2_provider.models import get_application_model, get_refresh_token_model

from accounts.redirects import ChatGPTCallbacks

Application = get_application_model()
RefreshToken = get_refresh_token_model()


@dataclass(frozen=True)
class IssuedCredentials:
    """A connection and its client secret in plain text: known only now, stored hashed."""

    application: Application
    client_secret: str


def gpt_connection_create(
    *,
    name: str,
    callback: str | None = None,
    trusted: bool = False,
    default_scopes: str | None = None,
) -> IssuedCredentials:
    """
    A confidential authorization-code connection shaped for ChatGPT's GPT Actions.

    With `callback`, exactly that URL is accepted; without, any GPT's ChatGPT callback is, so
    the callback URL may change when the builder edits the GPT's Actions.
    """
    application = Application(
        name=name,
        redirect_uris=callback or "",
        chatgpt_callbacks=ChatGPTCallbacks.EXACT if callback else ChatGPTCallbacks.ANY_GPT,
        skip_authorization=trusted,
    )
    if default_scopes is not None:
        application.default_scopes = default_scopes
    return gpt_connection_register(application=application)


@transaction.atomic
def gpt_connection_register(*, application: Application) -> IssuedCredentials:
    """
    Saves a new connection with fresh credentials and the settings ChatGPT needs.

    GPT Actions send no PKCE and keep a client secret, so the connection is confidential
    with PKCE optional (see `gpt_connection_shape`).
    """
    gpt_connection_shape(application=application)
    application.client_id = generate_client_id()
    return _issue_secret(application)


def gpt_connection_shape(*, application: Application) -> None:
    """Sets what every GPT connection shares, so that validation sees the connection as it will be."""
    application.client_type = Application.CLIENT_CONFIDENTIAL
    application.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
    application.algorithm = Application.RS256_ALGORITHM
    application.require_pkce = False


@transaction.atomic
def gpt_connection_rotate_secret(*, application: Application) -> IssuedCredentials:
    """Replaces the client secret (the old one stops working at once); returns the new one."""
    return _issue_secret(application)


def _issue_secret(application: Application) -> IssuedCredentials:
    secret = generate_client_secret()
    application.client_secret = secret
    application.hash_client_secret = True
    application.full_clean()
    application.save()
    return IssuedCredentials(application=application, client_secret=secret)


def connected_apps(*, user):
    """Applications holding a live (unrevoked) refresh token of `user`, each with `connected_at`."""
    return (
        Application.objects.filter(refreshtoken__user=user, refreshtoken__revoked__isnull=True)
        .annotate(connected_at=Min("refreshtoken__created"))
        .order_by("name")
    )


@transaction.atomic
def app_access_revoke(*, user, client_id: str) -> int:
    """Revokes every refresh token (and its access token) `user` granted to the app; returns how many."""
    tokens = RefreshToken.objects.filter(user=user, application__client_id=client_id, revoked__isnull=True)
    count = 0
    for token in tokens.select_for_update():
        token.revoke()
        count += 1
    return count


def applications_disable(*, applications) -> int:
    """Cuts clients off (they then get invalid_client); their issued access tokens lapse on expiry."""
    return applications.update(is_active=False)
