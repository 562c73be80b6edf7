"""
Test databases for a run: migrated once (the template), then cloned for each pytest-xdist worker.

The first worker to need a database migrates the template and takes its snapshots (migrated, and
with the demo seeded), holding a lock file of the run; every worker then clones the template
(`CREATE DATABASE … TEMPLATE`), snapshots included. The controller drops the template at the end.
"""

import fcntl
import functools
from contextlib import contextmanager
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connection

from actions_api.demo import seed_demo
from tests.database.snapshots import DEMO, MIGRATED, snapshot_restore, snapshot_take


@functools.cache
def template_name() -> str:
    """
    The migrated database of this run, `test_<DATABASE_URL's name>` as Django names a test database.
    Read once, before the process points Django at its own database (setting NAME).
    """
    return f"test_{settings.DATABASES['default']['NAME']}"


def test_database_create(*, suffix: str, run_dir: Path) -> str:
    """
    Creates this process's test database, `<template>_<suffix>` (pytest-xdist's worker id, as
    pytest-django names it), migrated and with the snapshots; returns the name to restore after.
    """
    original_name, template = connection.settings_dict["NAME"], template_name()
    with _exclusive(run_dir / "template.lock"):
        if (run_dir / "template.ready").exists():
            _use(template)
        else:
            connection.settings_dict["TEST"]["NAME"] = template
            _migrate_and_take_snapshots()
            (run_dir / "template.ready").touch()
        connection.creation.clone_test_db(suffix=suffix, verbosity=0, autoclobber=True)
    _use(connection.creation.get_test_db_clone_settings(suffix)["NAME"])
    return original_name


def test_database_destroy(original_name: str) -> None:
    clone = connection.settings_dict["NAME"]
    _use(original_name)
    _drop(clone)


def template_drop() -> None:
    """Drops the run's template (the controller calls this once every worker is done)."""
    _drop(template_name())


def _drop(name: str) -> None:
    """
    WITH (FORCE): a session that just ended (a server process, a pool's connection closed a moment
    ago) may not have left PostgreSQL yet, and Django's plain DROP DATABASE would then fail.
    """
    database = settings.DATABASES["default"]
    with psycopg.connect(
        host=database["HOST"] or "127.0.0.1",
        port=database["PORT"] or 5432,
        user=database["USER"],
        password=database["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)} WITH (FORCE)")


def _migrate_and_take_snapshots() -> None:
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    snapshot_take(name=MIGRATED)
    seed_demo()
    snapshot_take(name=DEMO)
    snapshot_restore(name=MIGRATED)


def _use(name: str) -> None:
    """Points Django at database `name`; connections (and the psycopg pool) opened before are closed."""
    connection.close()
    connection.close_pool()
    settings.DATABASES["default"]["NAME"] = connection.settings_dict["NAME"] = name


@contextmanager
def _exclusive(lock_path: Path):
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
