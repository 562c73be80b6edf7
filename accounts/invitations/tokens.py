"""Invitation links: signed with Django's signing machinery (the SECRET_KEY, a salt, a timestamp)."""

from __future__ import annotations

from django.conf import settings
from django.core import signing

SALT = "rolegate.invitations"


def invitation_token(invitation) -> str:
    """Names the invitation and when it was sent: sending it again makes earlier links stale."""
    return signing.dumps([invitation.pk, invitation.sent_at.isoformat()], salt=SALT, compress=True)


def invitation_token_matches(invitation, token: str) -> bool:
    """Whether `token` is this invitation's latest link and younger than INVITATION_TIMEOUT_SECONDS."""
    try:
        pk, sent_at = signing.loads(token, salt=SALT, max_age=settings.INVITATION_TIMEOUT_SECONDS)
    except (signing.BadSignature, ValueError, TypeError):
        return False
    return pk == invitation.pk and invitation.sent_at is not None and sent_at == invitation.sent_at.isoformat()
