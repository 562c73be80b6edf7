"""`manage.py add_identity_provider --name NAME --issuer URL --client-id ID --client-secret SECRET --domains D[,…]`."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.federation.selectors import registration_values
from accounts.federation.services import identity_provider_create


class Command(BaseCommand):
    help = "Adds an OpenID Connect identity provider for federated sign-in and prints what to register there."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="Shown on the sign-in button, e.g. 'Contoso'.")
        parser.add_argument("--issuer", required=True, help="The IdP's issuer URL (its discovery document's base).")
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--client-secret", required=True)
        parser.add_argument("--domains", required=True, help="Comma-separated email domains it signs in.")
        parser.add_argument("--groups-claim", default="groups", help="Claim listing the user's groups.")
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print one JSON object.")

    def handle(self, *args, name, issuer, client_id, client_secret, domains, groups_claim, as_json, **options):
        try:
            provider = identity_provider_create(
                name=name,
                issuer=issuer,
                client_id=client_id,
                client_secret=client_secret,
                domains=[domain for domain in domains.split(",") if domain.strip()],
                groups_claim=groups_claim,
            )
        except ValidationError as error:
            problems = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
            raise CommandError(f"The identity provider was not added. {problems}") from None
        values = registration_values(provider)
        if as_json:
            self.stdout.write(
                json.dumps(
                    {
                        "id": provider.pk,
                        "name": provider.name,
                        "slug": provider.slug,
                        **{value.key: value.value for value in values},
                    },
                    indent=2,
                )
            )
            return
        self.stdout.write(self.style.SUCCESS(f'Identity provider "{provider.name}" added.'))
        self.stdout.write(f"Register Rolegate at {provider.name}:")
        width = max(len(value.label) for value in values) + 2
        for value in values:
            self.stdout.write(f"  {value.label + ':':<{width}}{value.value}")
        self.stdout.write("Map its groups to teams in the admin: Identity providers → " + provider.name)
