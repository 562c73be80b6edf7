import datetime as dt

from django.core.management.base import BaseCommand

from accounts.services import connections_purge_unused


class Command(BaseCommand):
    help = (
        "Deletes self-registered connections (RFC 7591, Client ID Metadata Documents) older than --older-than-days "
        "through which no one ever completed a sign-in. Connections an admin made are never deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than-days", type=int, default=7, help="Keep younger connections (default 7).")

    def handle(self, *args, older_than_days: int, **options):
        count = connections_purge_unused(older_than=dt.timedelta(days=older_than_days))
        self.stdout.write(f"Deleted {count} self-registered connection(s) unused for over {older_than_days} day(s).")
