"""The token endpoint, password sign-ins and access-token size, measured in this process on one core."""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import connection as db_connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oauth2_provider.models import get_grant_model
from oauth2_provider.settings import oauth2_settings

from accounts.token_minting import access_token_payload, sign_access_token
from bench import cpu
from bench.prepare import (
    CLIENT_ID,
    CLIENT_SECRET,
    READER,
    READER_PASSWORD,
    REDIRECT_URI,
    bench_role,
    bench_user,
)

TOKEN_URL = "/o/token/"
#: Keycloak's published sizing: per vCPU, about 120 refresh grants/s and 15 password logins/s.
KEYCLOAK_REFRESH_PER_CPU = 120
KEYCLOAK_PASSWORD_LOGINS_PER_CPU = 15
#: Issue 16's bars, per CPU-second of app + database: refresh grants (aim 240), code exchanges (aim 200), sign-ins.
TARGET_REFRESH_PER_CPU, TARGET_CODE_PER_CPU, TARGET_SIGN_INS_PER_CPU = 120, 100, 25
#: Main before issue 16's fifth part (one statement per grant's writes): the lead's quiet `make bench --rounds 3` on
#: the full data at load average 2.40, grants per CPU-second and SQL statements per grant.
PREVIOUS_PER_CPU = {"authorization_code": 35.5, "refresh_token": 62.3}
PREVIOUS_STATEMENTS = {"authorization_code": 18, "refresh_token": 9}
#: Password sign-ins (argon2id, 19 MiB) per CPU-second, main before issue 16's fourth part at load average 0.76.
PREVIOUS_SIGN_INS_PER_CPU = 23.1
#: ChatGPT and common proxies cap request headers at a few KB.
TOKEN_SIZE_LIMIT = 4096


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: float
    cpu_seconds: float  # this process and its PostgreSQL backend
    statements: int = 0  # SQL statements of one more request of the kind, transaction control included

    @property
    def per_second(self) -> float:
        """Wall-clock rate of one thread: at most one core, slowed by whatever else runs."""
        return self.count / self.seconds if self.seconds else 0.0

    @property
    def per_cpu_second(self) -> float:
        """What one fully available core would do (application and database CPU together)."""
        return self.count / self.cpu_seconds if self.cpu_seconds else 0.0


def _timed(count: int, step: Callable[[int], None]) -> Rate:
    backend = cpu.database_backends(own=True)
    backend_before, process_before = cpu.cpu_seconds(backend), time.process_time()
    started = time.perf_counter()
    for index in range(count):
        step(index)
    elapsed = time.perf_counter() - started
    spent = time.process_time() - process_before + cpu.spent(backend_before, cpu.cpu_seconds(backend))
    return Rate(count, elapsed, spent)


def _token_request(client: Client, form: dict) -> dict:
    """A token request as OAuth clients send it: form-urlencoded (RFC 6749 4.1.3), not the test client's multipart."""
    body = urlencode({**form, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
    response = client.post(TOKEN_URL, body, content_type="application/x-www-form-urlencoded")
    if response.status_code != 200:
        raise RuntimeError(f"The token endpoint answered {response.status_code}: {response.content[:300]!r}")
    return response.json()


def token_endpoint_rates(*, user, connection, count: int) -> dict[str, Rate]:
    """
    `count` authorization-code exchanges, then `count` refresh grants (each with the token the
    previous one rotated in), one after another on one thread: a rate per CPU core.
    """
    Grant = get_grant_model()
    expires = timezone.now() + dt.timedelta(minutes=30)
    codes = [secrets.token_urlsafe(30) for _ in range(count + 1)]  # one more: its statements are counted
    Grant.objects.bulk_create(
        Grant(
            user=user,
            application=connection,
            code=code,
            expires=expires,
            redirect_uri=REDIRECT_URI,
            scope=" ".join(oauth2_settings.DEFAULT_SCOPES),
        )
        for code in codes
    )
    client = Client(HTTP_HOST="127.0.0.1")  # a host the production ALLOWED_HOSTS accepts
    refresh_tokens: list[str] = []

    def exchange(index: int) -> None:
        tokens = _token_request(
            client, {"grant_type": "authorization_code", "code": codes[index], "redirect_uri": REDIRECT_URI}
        )
        refresh_tokens.append(tokens["refresh_token"])

    rates = {"authorization_code": _timed(count, exchange)}
    # Counted right after the timed ones: the first exchange of a minute also does the bookkeeping (4 more).
    rates["authorization_code"] = replace(rates["authorization_code"], statements=_statements(exchange, count))
    current = {"token": refresh_tokens[0]}

    def refresh(index: int) -> None:
        current["token"] = _token_request(client, {"grant_type": "refresh_token", "refresh_token": current["token"]})[
            "refresh_token"
        ]

    rates["refresh_token"] = _timed(count, refresh)
    rates["refresh_token"] = replace(rates["refresh_token"], statements=_statements(refresh, count))
    return rates


def _statements(step: Callable[[int], None], index: int) -> int:
    """Statements PostgreSQL receives: Django also logs BEGIN and COMMIT around an atomic block that ran none."""
    with CaptureQueriesContext(db_connection) as queries:
        step(index)
    logged = [query["sql"] for query in queries.captured_queries]
    empty = {
        position + offset
        for position in range(len(logged) - 1)
        if logged[position : position + 2] == ["BEGIN", "COMMIT"]
        for offset in (0, 1)
    }
    return len(logged) - len(empty)


def password_sign_in_rate(*, count: int) -> Rate:
    """Sign-ins with the configured (production) hasher and the lockout check in front; each must succeed."""
    sign_in_request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="127.0.0.1")

    def sign_in(index: int) -> None:
        if authenticate(sign_in_request, username=READER, password=READER_PASSWORD) is None:
            raise RuntimeError("The benchmark reader could not sign in.")

    return _timed(count, sign_in)


def client_secret_check_rate(*, connection, count: int) -> Rate:
    """How fast a client secret is checked: every token request pays this once."""
    from django.contrib.auth.hashers import check_password

    def check(index: int) -> None:
        if not check_password(CLIENT_SECRET, connection.client_secret):
            raise RuntimeError("The benchmark client's secret does not verify.")

    return _timed(count, check)


def _permissions(n: int) -> list[str]:
    return [f"resource{index:03d}.read" for index in range(n)]


def _scope_values(n: int) -> list[str]:
    return [f"CC-{10000 + index}" for index in range(n)]


def token_sizes(*, connection, sizes: tuple[int, ...] = (1, 10, 100)) -> dict:
    """
    Bytes of the access token of a user whose role grants `n` permissions (``resource000.read``…)
    and `n` data-scope values (``cost_center: CC-10000``…), minted as the token endpoint does;
    plus the largest `n` under the 4 KB limit, and `n` split half permissions, half values.
    """
    result: dict = {"each": {}}
    payload = {}
    for n in sizes:
        role = bench_role(
            slug=f"bench-size-{n}", permissions=_permissions(n), data_scopes={"cost_center": _scope_values(n)}
        )
        user = bench_user(f"bench-size-{n}", roles=[role])
        payload = access_token_payload(
            user=user, connection=connection, scopes=oauth2_settings.DEFAULT_SCOPES, issued_at=int(time.time())
        )
        result["each"][str(n)] = _size(payload)
    result["half_each"] = {str(n): _size(payload, permissions=n // 2 or 1, values=n - n // 2) for n in sizes}
    low, high = 0, 2_000  # the largest n (each) whose token fits: a binary search on the same payload
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (
            (middle, high)
            if _size(payload, permissions=middle, values=middle) < TOKEN_SIZE_LIMIT
            else (low, middle - 1)
        )
    result["largest_each_under_limit"] = low
    return result


def _size(payload: dict, *, permissions: int | None = None, values: int | None = None) -> int:
    if permissions is not None:
        payload = {
            **payload,
            "permissions": _permissions(permissions),
            "data_scopes": {"cost_center": _scope_values(values)},
        }
    return len(sign_access_token(payload).encode("ascii"))


def configured_hasher() -> str:
    return settings.PASSWORD_HASHERS[0].rsplit(".", 1)[-1]


def token_figures(*, credentials, grants: int, sign_ins: int, rounds: int) -> dict:
    """
    Issue 16's figures, each the best of `rounds` rounds (the machine is shared: the best round is
    the one least disturbed): code exchanges, refresh grants, client-secret checks, password
    sign-ins with the production hasher, and access-token sizes.
    """
    user, connection = credentials.user, credentials.connection
    best: dict[str, Rate] = {}
    for _ in range(rounds):
        rates = token_endpoint_rates(user=user, connection=connection, count=grants)
        rates["password_sign_in"] = password_sign_in_rate(count=sign_ins)
        for kind, rate in rates.items():
            if kind not in best or rate.per_cpu_second > best[kind].per_cpu_second:
                best[kind] = rate
    secret_checks = client_secret_check_rate(connection=connection, count=max(2, sign_ins))
    return {
        "token_endpoint": {
            "rounds": rounds,
            "authorization_code": _figures(best["authorization_code"]),
            "refresh_token": _figures(best["refresh_token"]),
            "client_secret_checks_per_second": secret_checks.per_second,
        },
        "password_sign_in": {"hasher": configured_hasher(), **_figures(best["password_sign_in"])},
        "token_size_bytes": token_sizes(connection=connection),
    }


def _figures(rate: Rate) -> dict:
    return {
        "count": rate.count,
        "per_second_one_thread": rate.per_second,
        "per_cpu_second": rate.per_cpu_second,
        "statements": rate.statements,
    }


def mark(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def print_token_figures(report: dict) -> None:
    """Grants and sign-ins per CPU-second against the bars, Keycloak and the previous figures; token sizes."""
    tokens, sign_in = report["token_endpoint"], report["password_sign_in"]
    code, refresh = tokens["authorization_code"], tokens["refresh_token"]
    print(
        f"\ntoken endpoint, per CPU-second (one thread, wall-clock), best of {tokens['rounds']} rounds; load average "
        f"{report['machine']['load_average'][0]:.2f} at start: code exchanges {code['per_cpu_second']:.1f}/s "
        f"({code['per_second_one_thread']:.1f}/s), refresh grants {refresh['per_cpu_second']:.1f}/s "
        f"({refresh['per_second_one_thread']:.1f}/s); client-secret checks "
        f"{tokens['client_secret_checks_per_second']:.0f}/s"
    )
    keycloak_ratio = refresh["per_cpu_second"] / KEYCLOAK_REFRESH_PER_CPU
    keycloak = f"{keycloak_ratio:.2f}x Keycloak's {KEYCLOAK_REFRESH_PER_CPU}/s per vCPU, "
    for grant, label, bar, versus in (
        ("refresh_token", "refresh grants", TARGET_REFRESH_PER_CPU, keycloak),
        ("authorization_code", "code exchanges", TARGET_CODE_PER_CPU, ""),
    ):
        rate, statements = tokens[grant]["per_cpu_second"], tokens[grant]["statements"]
        print(
            f"  {label}: {rate:.1f} per CPU-second (>= {bar}) {mark(rate >= bar)}, {versus}"
            f"{rate / PREVIOUS_PER_CPU[grant]:.2f}x the previous {PREVIOUS_PER_CPU[grant]}/s; "
            f"{statements} SQL statements per grant (previously {PREVIOUS_STATEMENTS[grant]})"
        )
    rate = sign_in["per_cpu_second"]
    print(
        f"password sign-ins ({sign_in['hasher']}), per CPU-second: {rate:.1f}/s "
        f"({sign_in['per_second_one_thread']:.1f}/s wall-clock) (>= {TARGET_SIGN_INS_PER_CPU}) "
        f"{mark(rate >= TARGET_SIGN_INS_PER_CPU)}, {rate / KEYCLOAK_PASSWORD_LOGINS_PER_CPU:.2f}x Keycloak's "
        f"{KEYCLOAK_PASSWORD_LOGINS_PER_CPU}/s per vCPU, {rate / PREVIOUS_SIGN_INS_PER_CPU:.2f}x the previous "
        f"{PREVIOUS_SIGN_INS_PER_CPU}/s"
    )
    sizes = report["token_size_bytes"]
    print(
        "access token size, n permissions and n scope values: "
        + ", ".join(f"n={n} {size:,} B {mark(size < TOKEN_SIZE_LIMIT)}" for n, size in sizes["each"].items())
        + f"; under {TOKEN_SIZE_LIMIT:,} B up to n={sizes['largest_each_under_limit']}"
    )
    print(
        "access token size, n in all (half permissions, half scope values): "
        + ", ".join(f"n={n} {size:,} B {mark(size < TOKEN_SIZE_LIMIT)}" for n, size in sizes["half_each"].items())
    )
