"""`manage.py scim_client --name NAME [--json]` (DESIGN §7)."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.scim.services import scim_client_create


class Command(BaseCommand):
    help = "Creates a SCIM client and prints the SCIM base URL and its bearer token (shown only now)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="The directory, e.g. 'Entra ID' or 'Okta'.")
        parser.add_argument(
            "--all-users", action="store_true", help="Let it manage every user and team, not only those it creates."
        )
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print one JSON object.")

    def handle(self, *args, name: str, all_users: bool, as_json: bool, **options):
        try:
            issued = scim_client_create(name=name, manages_all_users=all_users)
        except ValidationError as error:
            raise CommandError(f"The SCIM client was not created. {'; '.join(error.messages)}") from None
        if as_json:
            self.stdout.write(
                json.dumps({"name": issued.client.name, "base_url": issued.base_url, "token": issued.token}, indent=2)
            )
            return
        self.stdout.write(self.style.SUCCESS(f'SCIM client "{issued.client.name}" created.'))
        self.stdout.write(f"  Tenant URL / base URL: {issued.base_url}")
        self.stdout.write(f"  Secret token:          {issued.token}")
        self.stdout.write(self.style.WARNING("  The token is shown only now: paste it into the directory."))
        self.stdout.write("See docs/PROVISIONING.md for Entra ID and Okta.")
