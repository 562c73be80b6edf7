from django.core.management.base import BaseCommand, CommandError

from accounts.models import SigningKey
from accounts.services import SigningKeyError, signing_key_tokens_live_for, signing_keys_retire


class Command(BaseCommand):
    help = (
        "Retires signing keys that were rotated out long enough ago that every token they signed has "
        "expired; they leave the JWKS and stop verifying. The signing key is never retired."
    )

    def add_arguments(self, parser):
        parser.add_argument("--kid", help="Retire only this key.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="With --kid: retire it even though its tokens have not expired (a leaked key).",
        )

    def handle(self, *args, kid: str | None, force: bool, **options):
        if force and not kid:
            raise CommandError("--force needs --kid: name the one key to retire early.")
        try:
            retired = signing_keys_retire(kid=kid, force=force)
        except SigningKeyError as error:
            raise CommandError(str(error)) from None
        for key in retired:
            stopped = f"{key.rotated_at:%Y-%m-%d %H:%M:%S}"
            self.stdout.write(self.style.SUCCESS(f"Retired {key.kid} (stopped signing {stopped} UTC)."))
        waiting = SigningKey.objects.published().filter(rotated_at__isnull=False)
        for key in waiting:
            until = key.rotated_at + signing_key_tokens_live_for()
            self.stdout.write(f"Kept {key.kid}: its tokens may be valid until {until:%Y-%m-%d %H:%M:%S} UTC.")
        if not retired:
            self.stdout.write("No key to retire.")
