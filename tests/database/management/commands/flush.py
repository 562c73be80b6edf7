"""
Django's `flush`, as the test settings run it: the test database goes back to its migrated state
from the snapshot taken after `migrate` (tests.database.snapshots), instead of TRUNCATE of every
table followed by post_migrate re-creating content types and permissions. Transactional tests
(the live-server ones) and module-seeded databases end with it.
"""

from django.core.management.commands import flush

from tests.database.snapshots import MIGRATED, snapshot_exists, snapshot_restore


class Command(flush.Command):
    def handle(self, **options):
        database = options["database"]
        # Without a snapshot (a database not set up by the suite) or when sequences must restart: Django's flush.
        if options.get("reset_sequences", True) or not snapshot_exists(name=MIGRATED, using=database):
            return super().handle(**options)
        snapshot_restore(name=MIGRATED, using=database)
