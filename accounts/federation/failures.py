"""What a user is told when a federated sign-in fails or is refused, and what to do about it."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from django.shortcuts import render
from requests import RequestException

from accounts.federation.models import IdentityProvider


@dataclass(frozen=True)
class Explanation:
    title: str
    what_happened: str
    what_to_do: str
    status: int = 401


#: reason -> explanation; "{idp}" and "{email}" are filled in. Every reason an audit event records.
EXPLANATIONS = {
    "unreachable": Explanation(
        "{idp} did not answer",
        "Rolegate could not reach {idp} to finish your sign-in.",
        "Try again in a few minutes. If it keeps failing, tell your administrator: {idp} may be down, or its "
        "address in Rolegate may be wrong.",
        status=502,
    ),
    "client_rejected": Explanation(
        "{idp} refused Rolegate",
        "{idp} did not accept Rolegate's credentials, so your sign-in could not be completed.",
        "Tell your administrator: the client secret of {idp} in Rolegate is probably wrong or expired.",
    ),
    "invalid_id_token": Explanation(
        "{idp}'s answer could not be trusted",
        "The identity token {idp} sent was not valid for Rolegate (another issuer or audience, expired, or not "
        "signed by {idp}). Nothing was signed in.",
        "Try again. If it keeps failing, tell your administrator: the issuer or client ID of {idp} may be wrong, "
        "or a clock is off.",
    ),
    "invalid_assertion": Explanation(
        "{idp}'s answer could not be trusted",
        "The SAML response {idp} sent was refused: it was not signed by {idp}, was changed on the way, was not "
        "for Rolegate, or has expired. Nothing was signed in.",
        "Try again. If it keeps failing, tell your administrator: {idp}'s metadata (signing certificate) in "
        "Rolegate may be out of date, or a clock is off.",
    ),
    "state_mismatch": Explanation(
        "This sign-in could not be matched",
        "The answer from the identity provider does not belong to a sign-in started in this browser: it expired, "
        "or was started in another browser or tab.",
        "Go back to the app and start signing in again.",
    ),
    "cancelled": Explanation(
        "Sign-in cancelled", "You cancelled the sign-in at {idp}.", "Start again from the app when you are ready."
    ),
    "idp_refused": Explanation(
        "{idp} refused the sign-in",
        "{idp} did not sign you in.",
        "Check with your administrator that you may use this app with your {idp} account.",
    ),
    "deactivated": Explanation(
        "Your account is disabled",
        "Your Rolegate account is disabled, so signing in through {idp} cannot let you in.",
        "Ask your administrator to enable your account again.",
        status=403,
    ),
    "email_in_use": Explanation(
        "This email already has a Rolegate account",
        "A Rolegate account with the email {email} already exists, and {idp} is not allowed to claim it.",
        "Ask your administrator to allow linking accounts by verified email for {idp}, or to remove the old "
        "account. Nothing was created or linked.",
        status=403,
    ),
    "foreign_domain": Explanation(
        "{idp} cannot sign in {email}",
        "The email {email} belongs to a domain another identity provider signs in, so {idp} may not use it.",
        "Sign in with your email address on the sign-in page: Rolegate then sends you to the right identity "
        "provider. Nothing was created or linked.",
        status=403,
    ),
    "email_unverified": Explanation(
        "Your email is not verified by {idp}",
        "A Rolegate account with the email {email} exists, but {idp} did not confirm that the email is verified, "
        "so it cannot be linked to your {idp} identity.",
        "Ask your administrator to check that {idp} marks your email as verified. Nothing was created or linked.",
        status=403,
    ),
    "failed": Explanation(
        "Sign-in failed", "The sign-in through {idp} did not complete.", "Go back to the app and try again."
    ),
}


def failure_reason(*, error, exception, state_found: bool, cancelled: bool, saml_errors=None) -> str:
    """Names what went wrong in allauth's terms (the exception's class and message, never shown)."""
    if saml_errors:
        return "invalid_assertion"
    if cancelled:
        return "cancelled"
    if isinstance(exception, RequestException):
        return "unreachable"
    if isinstance(exception, OAuth2Error):
        return "client_rejected" if str(exception).startswith("Error retrieving access token") else "invalid_id_token"
    if not state_found:
        return "state_mismatch"
    return "idp_refused" if exception is None else "failed"


def refusal_response(
    request, *, identity_provider: IdentityProvider | None, reason: str, email: str = "", next_url: str = ""
):
    explanation = EXPLANATIONS.get(reason, EXPLANATIONS["failed"])
    values = {"idp": identity_provider.name if identity_provider else "The identity provider", "email": email}
    context = {
        "title": explanation.title.format(**values),
        "what_happened": explanation.what_happened.format(**values),
        "what_to_do": explanation.what_to_do.format(**values),
        "reason": reason,
        "next": next_url,
    }
    return render(request, "accounts/federation/sign_in_failed.html", context, status=explanation.status)
