"""
A directory's full SCIM push, timed: `make bench-scim`, or `python -m bench.scim_push --help`.

Creates a SCIM client, serves the portal through gunicorn (bench settings, as `make bench`), then
pushes users and groups (with their members) over HTTP the way Entra ID or Okta do on a first
sync: one POST per user, one POST per group. Prints the figures (and, with --json, writes them).
Separate from `bench.run`, so `make bench` is unchanged.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/rolegate_bench"
DOMAIN = "scim-bench.example.com"
GROUP_PREFIX = "SCIM bench group"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.scim_push", description=__doc__.split("\n\n")[1])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=500)
    parser.add_argument("--groups-per-user", type=int, default=2, help="memberships of each user")
    parser.add_argument("--connections", type=int, default=4, help="concurrent requests of the directory")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument(
        "--scale-users",
        type=int,
        default=0,
        help="after the push, add provisioned users (in bulk) up to this many, then time the lookups",
    )
    parser.add_argument("--smoke", action="store_true", help="50 users, 5 groups: proves the runner works")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.smoke:
        args.users, args.groups, args.workers = 50, 5, 1
    return args


class Directory:
    """The directory's HTTP side: one keep-alive connection per thread, bearer token, SCIM JSON."""

    def __init__(self, base_url: str, token: str) -> None:
        self.url = urlsplit(base_url)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"}
        self.local = threading.local()

    def send(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict, float]:
        if not hasattr(self.local, "connection"):
            self.local.connection = http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=60)
        started = time.perf_counter()
        self.local.connection.request(method, f"/scim/v2{path}", json.dumps(body) if body else None, self.headers)
        response = self.local.connection.getresponse()
        payload = response.read()
        elapsed = time.perf_counter() - started
        return response.status, json.loads(payload) if payload else {}, elapsed


def push(directory: Directory, args: argparse.Namespace) -> dict:
    """Users, then groups with members; every answer must be 201."""

    def user(n: int):
        return directory.send(
            "POST",
            "/Users",
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": f"user{n}@{DOMAIN}",
                "externalId": f"ext-{n}",
                "name": {"givenName": "User", "familyName": str(n)},
                "active": True,
                "emails": [{"value": f"user{n}@{DOMAIN}", "type": "work", "primary": True}],
            },
        )

    with ThreadPoolExecutor(args.connections) as pool:
        started = time.perf_counter()
        users = list(pool.map(user, range(args.users)))
        users_seconds = time.perf_counter() - started
        _ensure_created(users, "user")
        ids = [body["id"] for _, body, _ in users]
        members = {g: [] for g in range(args.groups)}
        for n, pk in enumerate(ids):
            for k in range(args.groups_per_user):
                members[(n + k * 7919) % args.groups].append({"value": pk})

        def group(g: int):
            return directory.send(
                "POST",
                "/Groups",
                {
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                    "displayName": f"{GROUP_PREFIX} {g}",
                    "members": members[g],
                },
            )

        started = time.perf_counter()
        groups = list(pool.map(group, range(args.groups)))
        groups_seconds = time.perf_counter() - started
        _ensure_created(groups, "group")
    return {
        "users": args.users,
        "groups": args.groups,
        "memberships": sum(len(m) for m in members.values()),
        "users_seconds": round(users_seconds, 1),
        "groups_seconds": round(groups_seconds, 1),
        "total_seconds": round(users_seconds + groups_seconds, 1),
        "users_per_second": round(args.users / users_seconds, 1),
        "user_post_p50_ms": round(statistics.median(t for _, _, t in users) * 1000, 1),
        "group_post_p50_ms": round(statistics.median(t for _, _, t in groups) * 1000, 1),
    }


def lookups(directory: Directory, users: int) -> dict:
    """What the directory asks at every later sync: a user by userName, a page of 100."""
    timings = {}
    for name, path in [
        ("filter_by_username_ms", f"/Users?filter=userName%20eq%20%22user{users // 2}@{DOMAIN}%22"),
        ("page_of_100_users_ms", "/Users?startIndex=101&count=100"),
        ("page_of_100_groups_without_members_ms", "/Groups?count=100&excludedAttributes=members"),
    ]:
        samples = []
        for _ in range(10):
            status, _, elapsed = directory.send("GET", path)
            assert status == 200, (path, status)
            samples.append(elapsed)
        timings[name] = round(statistics.median(samples) * 1000, 1)
    return timings


def top_up(total: int) -> int:
    """Adds provisioned users in bulk (not through the API) until the bench client has `total`."""
    from accounts.models import ScimClient, ScimUser, User

    client = ScimClient.objects.get(name="bench")
    start = ScimUser.objects.filter(client=client).count()
    for first in range(start, total, 5000):
        users = User.objects.bulk_create(
            User(username=f"user{n}@{DOMAIN}", email=f"user{n}@{DOMAIN}", last_name=str(n))
            for n in range(first, min(first + 5000, total))
        )
        ScimUser.objects.bulk_create(
            ScimUser(user=user, client=client, external_id=f"ext-{user.username}") for user in users
        )
    return ScimUser.objects.filter(client=client).count()


def query_counts(token: str, users: int) -> dict:
    """Database queries per lookup, in process (the same views and middleware as the server)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    http = Client(SERVER_NAME="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
    counts = {}
    for name, path in [
        ("filter_by_username", f'/scim/v2/Users?filter=userName eq "user{users // 2}@{DOMAIN}"'),
        ("page_of_100_users", "/scim/v2/Users?startIndex=101&count=100"),
    ]:
        with CaptureQueriesContext(connection) as queries:
            assert http.get(path).status_code == 200
        counts[f"{name}_queries"] = len(queries)
    return counts


def _ensure_created(answers, what: str) -> None:
    failed = [(status, body) for status, body, _ in answers if status != 201]
    if failed:
        raise SystemExit(f"{len(failed)} {what} creations failed, e.g. {failed[0]}")


def _reset() -> str:
    """Removes the previous run's users, teams and client; returns a new client's token."""
    from accounts.models import ScimClient, User
    from accounts.scim.services import scim_client_create
    from roles.models import Team

    User.objects.filter(username__endswith=f"@{DOMAIN}").delete()
    Team.objects.filter(name__startswith=GROUP_PREFIX).delete()
    ScimClient.objects.filter(name="bench").delete()
    return scim_client_create(name="bench").token


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from django.core.management import call_command

    from bench.run import Gunicorn

    call_command("migrate", verbosity=0)
    token = _reset()
    with Gunicorn(workers=args.workers) as server:
        directory = Directory(f"{server.url}/scim/v2", token)
        report = {**push(directory, args), "connections": args.connections, "workers": args.workers}
        listed = top_up(args.scale_users) if args.scale_users > args.users else args.users
        report.update(listed_users=listed, **lookups(directory, listed), **query_counts(token, listed))
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
