"""
A real upstream OpenID Connect provider for federation tests: a second process of Rolegate
itself (it is an OIDC provider), on its own database and port, with one company user.

It is served on the other loopback name than the portal under test (localhost vs 127.0.0.1):
browsers keep cookies per host name, not per port, so the two sessions never overwrite each other.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import requests
from django.conf import settings

from accounts.federation.models import EmailDomain, GroupMapping, IdentityProvider
from roles.models import Role, RoleAssignment, Team
from tests.database.setup import template_name
from tests.servers import free_port

PROJECT_DIR = Path(__file__).resolve().parents[1]
CLIENT_ID, CLIENT_SECRET = "rolegate-portal", "upstream-client-secret"
USER, PASSWORD, EMAIL = "uma", "upstream-password", "uma@contoso.test"
#: The upstream's role (its token's `roles` claim) that the portal maps to a team.
GROUP = "contoso-sales-emea"

# Seeds its database, a clone of the run's migrated template (tests.database).
SEED = """
from django.contrib.auth import get_user_model
from oauth2_provider.models import get_application_model
from roles.models import Role, RoleAssignment
user = get_user_model().objects.create_user({user!r}, {email!r}, {password!r}, first_name="Uma", last_name="Upstream")
RoleAssignment.objects.create(user=user, role=Role.objects.create(slug={group!r}, name="Contoso sales EMEA"))
get_application_model().objects.create(
    name="Rolegate portal", client_id={client_id!r}, client_secret={client_secret!r}, client_type="confidential",
    authorization_grant_type="authorization-code", redirect_uris={redirect_uri!r}, algorithm="RS256",
    skip_authorization=True, default_scopes="openid profile email",
)
"""


@dataclass(frozen=True)
class UpstreamIdP:
    issuer: str
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET


def _database_url(name: str) -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _recreate_database(name: str) -> None:
    """A copy of the run's migrated template: the upstream is Rolegate too, so migrating it again is not needed."""
    with psycopg.connect(_database_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_name()}"')


@contextlib.contextmanager
def upstream_idp(*, redirect_uri: str, log_path: Path):
    """Clones the template, seeds and serves the upstream IdP; yields its issuer URL."""
    name = f"{settings.DATABASES['default']['NAME']}_upstream_idp"
    _recreate_database(name)
    port = free_port()
    host = "127.0.0.1" if "//localhost" in redirect_uri else "localhost"
    issuer = f"http://{host}:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(name),
        "PORTAL_BASE_URL": issuer,
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "portal.test_settings",
        "CONN_MAX_AGE": "0",
        "REDIS_URL": "",
    }
    manage = [sys.executable, "manage.py"]
    seed = SEED.format(
        user=USER,
        email=EMAIL,
        password=PASSWORD,
        group=GROUP,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uri=redirect_uri,
    )
    subprocess.run([*manage, "shell", "-c", seed], cwd=PROJECT_DIR, env=env, check=True, capture_output=True)
    with log_path.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "portal.asgi:application", "--host", "127.0.0.1", "--port", str(port)],
            cwd=PROJECT_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, f"upstream IdP exited:\n{log_path.read_text()}"
            with contextlib.suppress(requests.ConnectionError, requests.Timeout):
                if requests.get(f"{issuer}/healthz", timeout=10).status_code == 200:
                    break
            assert time.monotonic() < deadline, f"upstream IdP did not start:\n{log_path.read_text()}"
            time.sleep(0.2)
        yield UpstreamIdP(issuer=issuer)
    finally:
        server.terminate()
        server.wait(timeout=10)
        with psycopg.connect(_database_url("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def upstream(live_server, tmp_path_factory):
    """
    The upstream IdP, registered with the portal's callback for the IdP named `contoso`: started
    once per session (per xdist worker), as the live server whose callback it knows is.
    """
    redirect_uri = f"{live_server.url}/auth/oidc/contoso/login/callback/"
    with upstream_idp(redirect_uri=redirect_uri, log_path=tmp_path_factory.mktemp("idp") / "idp.log") as idp:
        yield idp


@pytest.fixture
def contoso(live_demo, upstream):
    """The portal's demo, plus Contoso's IdP whose `roles` claim value GROUP maps to an EMEA sales team."""
    provider = IdentityProvider.objects.create(
        name="Contoso",
        slug="contoso",
        issuer=upstream.issuer,
        client_id=upstream.client_id,
        client_secret=upstream.client_secret,
        groups_claim="roles",
    )
    EmailDomain.objects.create(identity_provider=provider, domain="contoso.test")
    team = Team.objects.create(slug="emea-sales", name="EMEA sales")
    RoleAssignment.objects.create(team=team, role=Role.objects.get(slug="sales-emea"))
    GroupMapping.objects.create(identity_provider=provider, group=GROUP, team=team)
    return provider
