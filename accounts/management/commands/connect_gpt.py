"""`manage.py connect_gpt --name NAME [--callback URL] [--json]` (DESIGN §7)."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts import services
from accounts.connections import callback_policy, gpt_editor_values

STEPS = """\
In ChatGPT: open your GPT → Configure → Actions → Create new action.
  1. Import from URL: the schema URL above.
  2. Authentication → OAuth: paste Client ID, Client Secret, Authorization URL, Token URL, Scope and
     choose the Token Exchange Method above. Save the GPT.
  3. Ask the GPT "who am I?": it calls getMe, you sign in, and it shows your roles."""


class Command(BaseCommand):
    help = "Creates a GPT connection and prints the values to paste into the GPT editor."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="Shown to users on the consent page, e.g. 'Sales GPT'.")
        parser.add_argument(
            "--callback",
            help="Accept exactly this callback URL. Without it, any GPT's ChatGPT callback URL is accepted, "
            "so the URL may change when the GPT is edited.",
        )
        parser.add_argument("--trusted", action="store_true", help="Skip the consent page for this connection.")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print one JSON object instead of text."
        )

    def handle(self, *args, name: str, callback: str | None, trusted: bool, as_json: bool, **options):
        try:
            issued = services.gpt_connection_create(name=name, callback=callback, trusted=trusted)
        except ValidationError as error:
            problems = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
            raise CommandError(f"The connection was not created. {problems}") from None
        values = gpt_editor_values(issued.connection, client_secret=issued.client_secret)
        callbacks = callback_policy(issued.connection)
        if as_json:
            self.stdout.write(
                json.dumps(
                    {
                        "name": issued.connection.name,
                        **{v.key: v.value for v in values},
                        "callback_urls_accepted": callbacks,
                    },
                    indent=2,
                )
            )
            return
        self.stdout.write(self.style.SUCCESS(f'GPT connection "{issued.connection.name}" created.'))
        self.stdout.write("Paste into the GPT editor:")
        width = max(len(value.label) for value in values) + 2
        for value in values:
            self.stdout.write(f"  {value.label + ':':<{width}}{value.value}")
        self.stdout.write(self.style.WARNING("  The Client Secret is shown only now; store it in the GPT editor."))
        self.stdout.write(f"Callback URLs accepted: {callbacks}")
        self.stdout.write(STEPS)
