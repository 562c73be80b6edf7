"""Reads about a user's grants that views and the OAuth glue ask for."""

from __future__ import annotations

import datetime as dt
import hashlib

from allauth.socialaccount.models import SocialAccount
from django.db.models import Exists, Min, OuterRef, Subquery
from django.utils import timezone
from oauth2_provider.models import get_application_model, get_refresh_token_model

from accounts.models import AuthorizationCodeRedemption, ConsentApproval, GrantAuthentication
from roles.conf import rolegate_settings


def user_connections(*, user):
    """Connections holding a live (unrevoked) refresh token of `user`, each with `connected_at`."""
    return (
        get_application_model()
        .objects.filter(refreshtoken__user=user, refreshtoken__revoked__isnull=True)
        .annotate(connected_at=Min("refreshtoken__created"))
        .order_by("name")
    )


def consent_remembered(*, user, connection, redirect_uri: str, scopes, resources) -> bool:
    """Whether `user` already allowed exactly this: connection, callback URL, scope set and resource."""
    return ConsentApproval.objects.filter(
        **ConsentApproval.lookup(
            user=user, connection=connection, redirect_uri=redirect_uri, scopes=scopes, resources=resources
        )
    ).exists()


def refresh_token_max_age() -> dt.timedelta:
    return dt.timedelta(seconds=rolegate_settings.REFRESH_TOKEN_MAX_AGE_SECONDS)


def outlived_sign_ins(*, token_family):
    """The redemption that began `token_family` if it is older than the absolute refresh-token lifetime."""
    return AuthorizationCodeRedemption.objects.filter(
        token_family=token_family, redeemed_at__lte=timezone.now() - refresh_token_max_age()
    )


def live_refresh_token(*, token: str):
    """
    The live (unrevoked) refresh token presented as `token`, with its access token and user, and
    what our refresh checks need about its family: ``family_outlived`` (the sign-in that began it
    is past the absolute lifetime), ``family_amr`` (how that sign-in authenticated) and
    ``federated`` (its user has an identity at an IdP). One statement where DOT's validation and
    those checks took six. None when no live row of a family matches: unknown, revoked or
    replayed tokens (and legacy ones without a family) are left to DOT's own validation.
    """
    family = OuterRef("token_family")
    return (
        get_refresh_token_model()
        .objects.filter(
            token_checksum=hashlib.sha256(token.encode("utf-8")).hexdigest(),
            revoked__isnull=True,
            token_family__isnull=False,
        )
        .select_related("access_token", "user")
        .annotate(
            family_outlived=Exists(outlived_sign_ins(token_family=family)),
            family_amr=Subquery(GrantAuthentication.objects.of_family(family).values("amr")[:1]),
            federated=Exists(SocialAccount.objects.filter(user_id=OuterRef("user_id"))),
        )
        .first()
    )
