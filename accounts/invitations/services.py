"""Inviting, re-sending, cancelling and accepting invitations. Admin actions and invite_user call these."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from accounts.email import email_compose, email_send
from accounts.invitations.models import Invitation
from accounts.invitations.tokens import invitation_token, invitation_token_matches
from roles.conf import absolute_url
from roles.models import Role, Team
from roles.services import role_assign, team_add_members


@dataclass(frozen=True)
class SentInvitation:
    invitation: Invitation
    link: str
    emailed: bool  # False when the deployment has no email configured: hand the link over yourself


def invitation_link(invitation: Invitation) -> str:
    return absolute_url("invitation-accept", invitation.pk, invitation_token(invitation))


@transaction.atomic
def invitation_create(
    *, email: str, roles: Iterable[Role] = (), teams: Iterable[Team] = (), invited_by=None
) -> SentInvitation:
    """Invites `email` with `roles` and `teams` preset, and sends the link."""
    email = invitation_email_check(email=email)
    invitation = Invitation.objects.create(email=email, invited_by=invited_by)
    invitation.roles.set(roles)
    invitation.teams.set(teams)
    return invitation_send(invitation=invitation)


def invitation_email_check(*, email: str) -> str:
    """The address to invite, or a ValidationError saying why not (invalid, has an account, invited already)."""
    email = email.strip()
    validate_email(email)
    if get_user_model().objects.filter(email__iexact=email).exists():
        raise ValidationError(f"{email} already has an account.")
    if Invitation.objects.pending().filter(email__iexact=email).exists():
        raise ValidationError(f"{email} is already invited: send that invitation again instead.")
    return email


def invitation_send(*, invitation: Invitation) -> SentInvitation:
    """(Re)sends the link; an earlier link of the same invitation stops working."""
    if invitation.status != "pending":
        raise ValidationError(f"The invitation of {invitation.email} is {invitation.status}.")
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["sent_at"])
    link = invitation_link(invitation)
    email_send(
        email_compose(
            to=invitation.email, template="accounts/email/invitation", context={"invitation": invitation, "link": link}
        )
    )
    return SentInvitation(invitation=invitation, link=link, emailed=settings.EMAIL_CONFIGURED)


def invitation_cancel(*, invitation: Invitation) -> None:
    if invitation.status == "pending":
        invitation.cancelled_at = timezone.now()
        invitation.save(update_fields=["cancelled_at"])


def invitation_valid(*, invitation_id: int, token: str) -> Invitation | None:
    """The pending invitation the link is for, or None (wrong, used, cancelled, re-sent or expired link)."""
    invitation = Invitation.objects.pending().filter(pk=invitation_id).first()
    return invitation if invitation and invitation_token_matches(invitation, token) else None


@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, username: str, password: str, first_name: str = "", last_name: str = ""
):
    """Creates the account with the preset roles and teams; the link is then used up."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != "pending":
        raise ValidationError("This invitation was already used or cancelled.")
    user = get_user_model().objects.create_user(
        username=username, email=invitation.email, password=password, first_name=first_name, last_name=last_name
    )
    for role in invitation.roles.all():
        role_assign(role=role, user=user, granted_by=invitation.invited_by)
    for team in invitation.teams.all():
        team_add_members(team=team, users=get_user_model().objects.filter(pk=user.pk))
    invitation.accepted_at, invitation.user = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "user"])
    return user


def invitations_from_csv(*, text: str, invited_by=None) -> tuple[list[SentInvitation], list[str]]:
    """
    One invitation per row of `email[,roles[,teams]]` (role and team slugs separated by spaces
    or semicolons; a header row is skipped). Returns what was sent and a message per refused row.
    """
    sent, problems = [], []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not row[0].strip() or (number == 1 and row[0].strip().lower() == "email"):
            continue
        email, role_slugs, team_slugs = (row + ["", ""])[:3]
        try:
            roles, teams = by_slug(Role, role_slugs), by_slug(Team, team_slugs)
            sent.append(invitation_create(email=email, roles=roles, teams=teams, invited_by=invited_by))
        except ValidationError as error:
            problems.append(f"Row {number} ({email.strip()}): {' '.join(error.messages)}")
    return sent, problems


def by_slug(model, slugs: str) -> list:
    """The rows of `model` with these space- or semicolon-separated slugs; a ValidationError names any unknown."""
    wanted = set(slugs.replace(";", " ").split())
    found = list(model.objects.filter(slug__in=wanted))
    missing = wanted - {item.slug for item in found}
    if missing:
        raise ValidationError(f"No {model._meta.verbose_name} {', '.join(sorted(missing))}.")
    return found
