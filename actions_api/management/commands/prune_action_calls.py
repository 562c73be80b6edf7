from django.core.management.base import BaseCommand

from actions_api.call_log import action_calls_prune


class Command(BaseCommand):
    help = "Deletes Action call log rows older than --days (default 30); run it daily."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30, help="Keep this many days of calls.")

    def handle(self, *args, days: int, **options):
        deleted = action_calls_prune(older_than_days=days)
        self.stdout.write(f"Deleted {deleted} Action calls older than {days} days.")
