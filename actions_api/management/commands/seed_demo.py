from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from actions_api.demo import seed_demo


class Command(BaseCommand):
    help = "Seeds the demo users, roles, GPT connection and business data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Seed even with DEBUG off (it resets the demo users' passwords)."
        )

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off, so this looks like production: seeding would create users with known passwords. "
                "Run with DEBUG=true, or pass --force if you really mean it."
            )
        seed_demo(progress=lambda step: self.stdout.write(f"Seeding {step}…"))
        self.stdout.write(
            self.style.SUCCESS("Demo data ready. Sign in as alice / rolegate-demo; admin / rolegate-admin.")
        )
