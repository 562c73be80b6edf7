"""What every benchmark mode needs in the database: the reader, its role, a client and its tokens."""

from __future__ import annotations

import datetime as dt
import secrets
import time
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model, set_token_value

from accounts.token_minting import access_token_payload, sign_access_token
from actions_api.demo import ADMIN_USERNAME
from actions_api.demo import USERS as DEMO_USERS
from actions_api.scale import USER_PREFIX
from bench.authentication import READER_CLAIMS
from roles.claims import effective_claims
from roles.models import ApiPermission, Role, RoleAssignment, RoleDataScope

READER = "bench-reader"
READER_PASSWORD = "rolegate-bench-reader"
CLIENT_ID, CLIENT_SECRET = "bench-client", "bench-client-secret-0123456789"
REDIRECT_URI = "https://bench.example.test/callback"
SCOPES = ["openid", "profile", "api"]
#: Tokens outlive the whole run (the production TTL is 15 minutes).
TOKEN_LIFETIME = dt.timedelta(hours=2)


@dataclass(frozen=True)
class Credentials:
    user: object
    connection: object
    jwt: str
    opaque: str


def bench_role(*, slug: str, permissions: list[str], data_scopes: dict[str, list[str]]) -> Role:
    """A role with exactly these permissions and data scopes (created or reset)."""
    role, _ = Role.objects.update_or_create(slug=slug, defaults={"name": slug})
    role.permissions.set([ApiPermission.objects.get_or_create(code=code)[0] for code in permissions])
    role.data_scopes.all().delete()
    RoleDataScope.objects.bulk_create(
        RoleDataScope(role=role, attribute=attribute, value=value)
        for attribute, values in data_scopes.items()
        for value in values
    )
    return role


def bench_user(username: str, *, roles: list[Role], password: str | None = None):
    user, _ = get_user_model().objects.update_or_create(
        username=username, defaults={"first_name": "Bench", "last_name": username, "email": f"{username}@bench.test"}
    )
    if password is not None:
        user.set_password(password)
        user.save(update_fields=["password"])
    RoleAssignment.objects.filter(user=user).exclude(role__in=roles).delete()
    for role in roles:
        RoleAssignment.objects.get_or_create(user=user, role=role)
    return user


def bench_connection():
    """A confidential GPT-like connection; its secret is stored hashed, as every connection's is."""
    Application = get_application_model()
    connection = Application.objects.filter(client_id=CLIENT_ID).first() or Application(client_id=CLIENT_ID)
    connection.name = "Benchmark client"
    connection.client_type = Application.CLIENT_CONFIDENTIAL
    connection.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
    connection.client_secret = CLIENT_SECRET
    connection.hash_client_secret = True
    connection.redirect_uris = REDIRECT_URI
    connection.require_pkce = False
    connection.algorithm = Application.RS256_ALGORITHM
    connection.save()
    return connection


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
    payload = access_token_payload(user=user, connection=connection, scopes=SCOPES, issued_at=now)
    payload["exp"] = now + int(TOKEN_LIFETIME.total_seconds())
    jwt = sign_access_token(payload)

    opaque = secrets.token_urlsafe(32)
    AccessToken = get_access_token_model()
    token = AccessToken(
        user=user, application=connection, expires=timezone.now() + TOKEN_LIFETIME, scope=" ".join(SCOPES)
    )
    set_token_value(token, opaque)
    token.save()
    return Credentials(user=user, connection=connection, jwt=jwt, opaque=opaque)
