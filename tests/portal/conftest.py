"""Fixtures for deployment tests: portal processes started once per module on the module's seeded database."""

from contextlib import contextmanager

from tests.servers import PortalProcess, server_env


@contextmanager
def portal_processes(count: int, *, log_dir, **env):
    """
    `count` uvicorn processes on the test database behind one public URL (as behind a load balancer),
    started side by side (each spends seconds importing; one need not wait for the other).
    """
    portals = [PortalProcess(log_path=log_dir / f"portal-{index}.log") for index in range(count)]
    shared_env = server_env(PORTAL_BASE_URL=portals[0].url, **env)
    try:
        for portal in portals:
            portal.launch(env=shared_env)
        for portal in portals:
            portal.wait_until_healthy()
        yield portals
    finally:
        for portal in portals:
            if portal.process is not None:
                portal.stop()
