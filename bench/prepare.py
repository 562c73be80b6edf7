"""What every benchmark mode needs in the database: the reader, its role, a client and its tokens."""

from __future__ import annotations

import datetime as dt
import secrets
import time
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, set_token_value
from oauth2_provider.settings import oauth2_settings

from accounts.token_minting import access_token_payload, sign_access_token
from actions_api.demo import ADMIN_USERNAME, seed_connection, seed_role, seed_user
from actions_api.demo import USERS as DEMO_USERS
from actions_api.scale import USER_PREFIX
from bench.authentication import READER_CLAIMS
from roles.claims import effective_claims
from roles.models import Role

READER = "bench-reader"
READER_PASSWORD = "rolegate-bench-reader"
CLIENT_ID, CLIENT_SECRET = "bench-client", "bench-client-secret-0123456789"
REDIRECT_URI = "https://bench.example.test/callback"
#: Tokens outlive the whole run (the production TTL is 15 minutes).
TOKEN_LIFETIME = dt.timedelta(hours=2)


@dataclass(frozen=True)
class Credentials:
    user: object
    connection: object
    jwt: str
    opaque: str


def bench_role(*, slug: str, permissions: list[str], data_scopes: dict[str, list[str]]) -> Role:
    """A role with exactly these permissions and data scopes (created or reset), seeded as the demo's are."""
    return seed_role(slug=slug, name=slug, permissions=permissions, data_scopes=data_scopes)


def bench_user(username: str, *, roles: list[Role], password: str | None = None):
    return seed_user(
        username, first_name="Bench", last_name=username, email=f"{username}@bench.test", roles=roles, password=password
    )


def bench_connection():
    """A confidential GPT-like connection, seeded as the demo's is (secret stored hashed)."""
    return seed_connection(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, name="Benchmark client", redirect_uris=REDIRECT_URI
    )


def ensure_benchmark_database() -> None:
    """
    Refuses a database holding anyone but demo, scale and benchmark users: the benchmark creates
    a reader with a known password and a client with a known secret, which must never reach a
    real deployment.
    """
    known = {ADMIN_USERNAME, *DEMO_USERS}
    strangers = (
        get_user_model()
        .objects.exclude(username__in=known)
        .exclude(username__startswith=USER_PREFIX)
        .exclude(username__startswith="bench-")
    )
    if strangers.exists():
        raise SystemExit(
            "This database has real users: the benchmark would add a known password and client secret to it. "
            "Run it on a database of its own: createdb -h 127.0.0.1 -U postgres rolegate_bench, then "
            "make bench (or pass --database-url postgres://…/rolegate_bench)."
        )


def prepare_credentials() -> Credentials:
    """The reader (whose claims are exactly what the floor serves) and a JWT and an opaque token for it."""
    role = bench_role(
        slug=READER,
        permissions=sorted(READER_CLAIMS.permissions),
        data_scopes={attribute: list(values) for attribute, values in READER_CLAIMS.data_scopes.items()},
    )
    user = bench_user(READER, roles=[role], password=READER_PASSWORD)
    connection = bench_connection()
    if effective_claims(user=user, connection=connection) != READER_CLAIMS:
        raise RuntimeError("The reader's claims differ from the floor's: the modes would not serve the same rows.")

    now = int(time.time())
    payload = access_token_payload(
        user=user, connection=connection, scopes=oauth2_settings.DEFAULT_SCOPES, issued_at=now
    )
    payload["exp"] = now + int(TOKEN_LIFETIME.total_seconds())
    jwt = sign_access_token(payload)

    opaque = secrets.token_urlsafe(32)
    AccessToken = get_access_token_model()
    token = AccessToken(
        user=user,
        application=connection,
        expires=timezone.now() + TOKEN_LIFETIME,
        scope=" ".join(oauth2_settings.DEFAULT_SCOPES),
    )
    set_token_value(token, opaque)
    token.save()
    return Credentials(user=user, connection=connection, jwt=jwt, opaque=opaque)
