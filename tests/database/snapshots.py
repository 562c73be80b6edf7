"""
Snapshots of a test database's rows, kept in the database itself (schema `snapshot_<name>`).

Restoring one deletes every row of every table and copies the snapshot's rows back, in one
transaction and one round trip: the database is then exactly as it was when the snapshot was
taken (same rows, same ids; sequences are not rewound, so new rows never reuse an id).
"""

import functools

from django.contrib.contenttypes.models import ContentType
from django.db import connections, transaction

#: Right after `migrate`: what every test starts from (migrations' rows: content types, permissions…).
MIGRATED = "migrated"
#: The demo of DESIGN §5 (actions_api.demo.seed_demo) on top of MIGRATED.
DEMO = "demo"


def snapshot_take(*, name: str, using: str = "default") -> None:
    """Copies every non-empty table into the snapshot `name`, replacing an older one."""
    connection = connections[using]
    quote, schema = connection.ops.quote_name, connection.ops.quote_name(f"snapshot_{name}")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
        for table in _tables(using, connection.settings_dict["NAME"]):
            cursor.execute(f"SELECT EXISTS (SELECT FROM {quote(table)})")
            if cursor.fetchone()[0]:
                cursor.execute(f"CREATE TABLE {schema}.{quote(table)} AS TABLE {quote(table)}")


def snapshot_exists(*, name: str, using: str = "default") -> bool:
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = %s)", [f"snapshot_{name}"])
        return cursor.fetchone()[0]


def snapshot_restore(*, name: str, using: str = "default") -> None:
    """Brings every table back to the snapshot `name` (inside the caller's transaction, if any)."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(_restore_sql(using, connection.settings_dict["NAME"], name))
    # Content type ids are those of the snapshot again; Django's cache of them must not outlive a test.
    ContentType.objects.clear_cache()


@functools.cache
def _restore_sql(using: str, database: str, name: str) -> str:
    """One script (foreign keys are deferrable, so the order of the tables does not matter)."""
    connection = connections[using]
    quote, schema = connection.ops.quote_name, f"snapshot_{name}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema])
        saved = sorted(row[0] for row in cursor.fetchall())
    statements = ["SET CONSTRAINTS ALL DEFERRED"]
    statements += [f"DELETE FROM {quote(table)}" for table in _tables(using, database)]
    statements += [f"INSERT INTO {quote(table)} SELECT * FROM {quote(schema)}.{quote(table)}" for table in saved]
    return ";\n".join(statements)


@functools.cache
def _tables(using: str, database: str) -> list[str]:
    """The tables of the installed models (not django_migrations), read once per database."""
    return sorted(connections[using].introspection.django_table_names(only_existing=True, include_views=False))
