from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.invitations.services import by_slug, invitation_create
from roles.models import Role, Team


class Command(BaseCommand):
    help = "Invites EMAIL with roles and teams preset; prints the link when email is not configured."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--role", action="append", default=[], help="role slug (repeatable)")
        parser.add_argument("--team", action="append", default=[], help="team slug (repeatable)")

    def handle(self, *args, email, role, team, **options):
        try:
            sent = invitation_create(
                email=email, roles=by_slug(Role, " ".join(role)), teams=by_slug(Team, " ".join(team))
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if sent.emailed:
            self.stdout.write(f"Invitation emailed to {sent.invitation.email}.")
        else:
            self.stdout.write(f"Email is not configured: send {sent.invitation.email} this link:\n{sent.link}")
