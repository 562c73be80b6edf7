import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from actions_api.scale import ScaleSize, scale_seed


class Command(BaseCommand):
    help = (
        "Seeds benchmark data at scale (users, roles, orders, documents) next to the demo data. "
        "Idempotent: a re-run adds only what is missing. Scale users cannot sign in (unusable passwords)."
    )

    def add_arguments(self, parser):
        defaults = ScaleSize()
        parser.add_argument("--users", type=int, default=defaults.users, help=f"default {defaults.users}")
        parser.add_argument("--roles", type=int, default=defaults.roles, help=f"default {defaults.roles}")
        parser.add_argument("--orders", type=int, default=defaults.orders, help=f"default {defaults.orders}")
        parser.add_argument("--documents", type=int, default=defaults.documents, help=f"default {defaults.documents}")

    def handle(self, *args, users, roles, orders, documents, **options):
        if min(users, roles, orders, documents) < 0:
            raise CommandError("Sizes must be zero or more.")
        if connection.vendor != "postgresql":
            self.stderr.write("Not PostgreSQL: falling back to bulk_create, which is much slower than COPY.")
        started = time.monotonic()
        added = scale_seed(
            size=ScaleSize(users=users, roles=roles, orders=orders, documents=documents), progress=self._progress
        )
        summary = ", ".join(f"{count:,} {kind}" for kind, count in added.items())
        self.stdout.write(
            self.style.SUCCESS(f"Scale data ready in {time.monotonic() - started:.1f} s; added {summary}.")
        )

    def _progress(self, step: str, done: int, total: int) -> None:
        width = 30
        filled = width * done // total if total else width
        end = "\n" if done >= total else ""
        line = f"\r{step:<18} [{'#' * filled}{'.' * (width - filled)}] {done:>10,}/{total:,}"
        self.stdout.write(line, ending=end)
        self.stdout.flush()
