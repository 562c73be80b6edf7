"""
The test databases (a Django app of the test settings only, for its `flush` command).

Migrating costs ~9 CPU-seconds and Django's flush (TRUNCATE of every table, then post_migrate
writing content types and permissions again) ~0.25 CPU-s plus 1-2 s of PostgreSQL's time; the
demo seed ~0.5 CPU-s. The suite does each hundreds of times, so instead: one database is
migrated per run (the template), each pytest-xdist worker clones it, and tests return to the
migrated or the seeded state by copying rows back from a snapshot, inside PostgreSQL.
"""
