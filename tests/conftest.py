import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection as db_connection
from django.test.testcases import LiveServerThread
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.signing_keys import forget_active_signing_key
from accounts.token_minting import access_token_payload, sign_access_token
from actions_api.call_log import action_calls
from actions_api.keyset import public_keys
from actions_api.models import ActionCall
from actions_api.revocation_list import revocations
from tests.chatgpt import ChatGPT
from tests.database.setup import template_drop, test_database_create, test_database_destroy
from tests.database.snapshots import DEMO, MIGRATED, snapshot_restore
from tests.factories import ConnectionFactory
from tests.fresh_process import FreshProcesses
from tests.servers import NoDelayWSGIServer
from tests.signing_keys import pooled_rsa_module

# The `upstream` OpenID Connect provider and the portal's `contoso` IdP (federated sign-in tests).
pytest_plugins = ["tests.upstream_idp"]

TESTS_DIR = Path(__file__).resolve().parent
# Tiers marked by where a test lives or what it starts (pyproject.toml registers the markers).
MARKERS_BY_DIRECTORY = {"browser": ("browser", "live_server"), "bench": ("bench", "live_server", "slow")}
LIVE_SERVER_FIXTURES = {"live_server", "asgi_portal", "portal", "portals"}


# The tiers whose files run longest, longest first (see _long_files_first).
LONG_TIERS = ("slow", "browser", "live_server")


def pytest_collection_modifyitems(items):
    """Marks every test of a tier, so `-m "not slow"` or `-m browser` select by what a test really does."""
    for item in items:
        directory = Path(item.fspath).resolve().relative_to(TESTS_DIR).parts[0]
        markers = set(MARKERS_BY_DIRECTORY.get(directory, ()))
        if LIVE_SERVER_FIXTURES & set(item.fixturenames):
            markers.add("live_server")
        for marker in sorted(markers - {mark.name for mark in item.iter_markers()}):
            item.add_marker(marker)
    _long_files_first(items)


def _long_files_first(items):
    """
    Files with slow, then browser, then live-server tests run first (the order within each file is
    kept). `make test` hands whole files to the xdist workers in this order (--dist loadfile
    --no-loadscope-reorder), so both start on the long poles and finish together on short files,
    instead of one worker ending alone on a file of one long test.
    """
    ranks: dict[Path, int] = {}
    for item in items:
        names = {mark.name for mark in item.iter_markers()}
        rank = next((index for index, tier in enumerate(LONG_TIERS) if tier in names), len(LONG_TIERS))
        ranks[item.path] = min(rank, ranks.get(item.path, rank))
    items.sort(key=lambda item: ranks[item.path])


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker, tmp_path_factory):
    """
    Replaces pytest-django's: the run's first process to need a database migrates one (the
    template, with the snapshots of tests.database) and every process clones it, instead of
    each pytest-xdist worker migrating its own.
    """
    worker = getattr(request.config, "workerinput", {}).get("workerid")
    run_dir = tmp_path_factory.getbasetemp().parent if worker else tmp_path_factory.getbasetemp()
    with django_db_blocker.unblock():
        original_name = test_database_create(suffix=worker or "main", run_dir=run_dir)
    yield
    with django_db_blocker.unblock():
        test_database_destroy(original_name)


def pytest_sessionfinish(session):
    """The process that started the run (the xdist controller, or the only one) drops the template."""
    if not hasattr(session.config, "workerinput"):
        template_drop()


@pytest.fixture(scope="module")
def fresh_process():
    """
    ``fresh_process("manage.py", "check", env=…)``: `python …` in a process of its own with exactly
    that environment, as subprocess.run would, forked from one that has the libraries imported
    (tests.fresh_process); the module's commands share it.
    """
    processes = FreshProcesses()
    yield processes.run
    processes.close()


@pytest.fixture(scope="module")
def seeded_database(django_db_setup, django_db_blocker):
    """The demo, committed once per module for server processes to read; emptied when the module ends."""
    with django_db_blocker.unblock():
        snapshot_restore(name=DEMO)
        yield
        snapshot_restore(name=MIGRATED)


@pytest.fixture(autouse=True, scope="session")
def _live_server_without_nagle():
    """The live server answers without a 40 ms stall per request (tests.servers.NoDelayWSGIServer)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(LiveServerThread, "server_class", NoDelayWSGIServer)
        yield


@pytest.fixture(autouse=True, scope="session")
def _signing_keys_from_a_pool():
    """The portal's new signing keys come from a small pool of real keys (tests/signing_keys.py)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("accounts.models.rsa", pooled_rsa_module())
        yield


@pytest.fixture(autouse=True)
def _forget_cached_signing_keys():
    """Each test's database starts without keys; a key cached by an earlier test must not linger."""
    public_keys.clear()
    forget_active_signing_key()
    yield
    public_keys.clear()
    forget_active_signing_key()


@pytest.fixture(autouse=True)
def _forget_revocations():
    """Revocation cut-offs held in process belong to the test that made them."""
    revocations.clear()
    yield
    revocations.clear()


@pytest.fixture(autouse=True)
def _no_pending_action_calls():
    """Action calls of one test, recorded in memory, must not be written during the next."""
    action_calls.discard()
    yield
    action_calls.discard()


@pytest.fixture
def logged_calls():
    """The Action-call log once this process's pending calls are written (they are batched off the request)."""

    def flushed():
        action_calls.flush()
        return ActionCall.objects.all()

    return flushed


@pytest.fixture(autouse=True)
def _fresh_cache():
    """API rate-limit counters live in the cache; one test's requests must not throttle the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def demo(db):
    """The demo deployment of DESIGN §5 (actions_api.demo.seed_demo, restored from its snapshot)."""
    snapshot_restore(name=DEMO)


@pytest.fixture
def live_demo(transactional_db, live_server):
    """The demo deployment behind a real HTTP server."""
    snapshot_restore(name=DEMO)
    return live_server


@pytest.fixture
def chatgpt(live_demo):
    """A ChatGPT-like client of the demo GPT connection."""
    return ChatGPT(live_demo.url)


@pytest.fixture
def connection(db):
    return ConnectionFactory()


@pytest.fixture
def mint_token(connection):
    """Signs a real access token for `user` (claims computed as at issuance), with `overrides` applied."""
    default_connection = connection

    def mint(user, *, scopes=("openid", "profile", "api"), connection=None, **overrides):
        payload = access_token_payload(
            user=user, connection=connection or default_connection, scopes=list(scopes), issued_at=int(time.time())
        )
        payload.update(overrides)
        return sign_access_token({key: value for key, value in payload.items() if value is not None})

    return mint


@pytest.fixture
def rolegate(settings):
    """Overrides Rolegate settings for one test: ``rolegate(API_RATE_PER_USER="3/min")`` (restored after)."""

    def override(**values) -> None:
        settings.ROLEGATE = {**settings.ROLEGATE, **values}

    return override


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def bearer(api_client):
    """An API client that sends the given access token, nothing else (no cookies, no session)."""

    def with_token(token: str) -> APIClient:
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return api_client

    return with_token


@pytest.fixture
def assert_no_query_but_the_call_log():
    """Asserts that a block queries nothing; the Action-call log's INSERT (batched, so usually none) may run."""

    @contextmanager
    def check():
        with CaptureQueriesContext(db_connection) as queries:
            yield
        others = [
            query["sql"]
            for query in queries.captured_queries
            if not query["sql"].startswith('INSERT INTO "actions_api_actioncall"')
        ]
        assert others == []

    return check
