"""Fixtures for deployment tests: the demo seeded once per module, portal processes started once per module."""

import os
from contextlib import contextmanager

import pytest
from django.core.management import call_command

from actions_api.demo import seed_demo
from tests.servers import PortalProcess, servers_database_url


@pytest.fixture(scope="module")
def seeded_database(django_db_setup, django_db_blocker):
    """The demo, committed for server processes to read; emptied when the module ends."""
    with django_db_blocker.unblock():
        seed_demo()
        yield
        call_command("flush", interactive=False, verbosity=0)


@contextmanager
def portal_processes(count: int, *, log_dir, **env):
    """`count` uvicorn processes on the test database behind one public URL (as behind a load balancer)."""
    portals = [PortalProcess(log_path=log_dir / f"portal-{index}.log") for index in range(count)]
    shared_env = {
        **os.environ,
        "DATABASE_URL": servers_database_url(),
        "PORTAL_BASE_URL": portals[0].url,
        "DJANGO_SETTINGS_MODULE": "portal.test_settings",
        "CONN_MAX_AGE": "0",
        "DEBUG": "false",
        **env,
    }
    try:
        for portal in portals:
            portal.start(env=shared_env)
        yield portals
    finally:
        for portal in portals:
            if portal.process is not None:
                portal.stop()
