import pytest

from tests.servers import PortalProcess, server_env


@pytest.fixture(scope="module")
def asgi_portal(seeded_database, tmp_path_factory):
    """
    The deployable (``uvicorn portal.asgi:application``: Django plus the MCP endpoint) in a
    real server process on a free loopback port, started once per module on the module's
    seeded demo. Its PORTAL_BASE_URL is its own address, so issuer, audiences and metadata
    are the real ones.
    """
    portal = PortalProcess(log_path=tmp_path_factory.mktemp("uvicorn") / "uvicorn.log")
    portal.start(env=server_env(PORTAL_BASE_URL=portal.url))
    try:
        yield portal.url
    finally:
        portal.stop()
