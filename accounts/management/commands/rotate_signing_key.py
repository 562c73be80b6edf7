import datetime as dt

from django.core.management.base import BaseCommand

from accounts.services import signing_key_rotate


class Command(BaseCommand):
    help = (
        "Creates a new token-signing key. It is published in the JWKS at once and signs from about a "
        "minute later (when every process and client has it); older keys keep verifying until "
        "retire_signing_keys retires them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            action="store_true",
            help="Sign with the new key immediately (after a leak). Processes that reloaded their "
            "keys in the last seconds may refuse its first tokens briefly.",
        )

    def handle(self, *args, now: bool, **options):
        key = signing_key_rotate(publish_ahead=dt.timedelta(0) if now else None)
        self.stdout.write(self.style.SUCCESS(f"New signing key {key.kid} published."))
        self.stdout.write(f"It signs new tokens from {key.activates_at:%Y-%m-%d %H:%M:%S} UTC.")
        self.stdout.write("Older keys stay published; run retire_signing_keys once their tokens have expired.")
