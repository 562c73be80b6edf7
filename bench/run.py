"""
Rolegate's benchmark: `make bench`, or `python -m bench.run --help`.

Seeds PostgreSQL at scale, serves the same orders list through gunicorn in three modes and
drives each with a load generator in another process; then measures the token endpoint,
password sign-ins, access-token size and worker memory. Prints figures and ratios (the ratios
are what survives a noisy, shared machine) and, with --json, writes them to a file.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import urllib.error
import urllib.request
from pathlib import Path

from bench.gunicorn import Gunicorn
from bench.report import print_in_process, print_report

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/rolegate_bench"
#: Production's shared cache: the rate limits' counters are a Redis call on every API request.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
MODES = {
    "a": ("no authentication (floor)", "/api/v1/bench/floor/orders"),
    "b": ("Rolegate JWT + claim filter", "/api/v1/orders"),
    "c": ("DOT opaque token + claim filter", "/api/v1/bench/opaque/orders"),
    # Served by a gunicorn of its own with bench.floor_settings: a bare Django project's middleware only.
    "f": ("true floor: bare DRF list", "/bench/true-floor/orders"),
}
FULL = {"users": 100_000, "roles": 1_000, "orders": 1_000_000, "documents": 100_000}
SMOKE = {"users": 20, "roles": 4, "orders": 300, "documents": 30}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[1])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        help="a PostgreSQL database of its own (default: $DATABASE_URL, else %(default)s)",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL,
        help="the shared cache, as in production (default: $REDIS_URL, else %(default)s)",
    )
    for name, value in FULL.items():
        parser.add_argument(f"--{name}", type=int, default=value, help=f"rows to seed (default {value:,})")
    parser.add_argument("--seconds", type=float, default=8, help="measured seconds per mode and round")
    parser.add_argument("--warmup", type=float, default=2, help="unmeasured seconds before each measurement")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of a, b, c (best and median are reported)")
    parser.add_argument(
        "--connections",
        type=int,
        default=4,
        help="concurrent connections of the load generator (default: 2 per worker)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument(
        "--isolated-requests", type=int, default=100, help="requests per batch when timing each mode's CPU in process"
    )
    parser.add_argument("--isolated-rounds", type=int, default=20, help="batches per mode in process (best is kept)")
    parser.add_argument(
        "--isolated-processes", type=int, default=5, help="fresh processes timing in process (median is reported)"
    )
    parser.add_argument("--grants", type=int, default=50, help="code exchanges and refresh grants to time")
    parser.add_argument("--sign-ins", type=int, default=10, help="password sign-ins to time")
    parser.add_argument(
        "--tokens-only", action="store_true", help="only the token endpoint, sign-ins and token sizes (no server)"
    )
    parser.add_argument(
        "--in-process-only",
        action="store_true",
        help="only the CPU per request of (a), (b) and (f) in process (no server, no token figures)",
    )
    parser.add_argument("--load-generator", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--smoke", action="store_true", help="tiny data and a few seconds: proves the runner works")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.smoke:
        # Every step once, on the least that proves it runs: no warm-up (the measured run is the same
        # load call; wrk's shortest run is one second), one worker per gunicorn.
        for name, value in SMOKE.items():
            setattr(args, name, value)
        args.seconds, args.warmup, args.rounds, args.grants, args.sign_ins = 1, 0, 1, 3, 1
        args.isolated_requests, args.isolated_rounds, args.isolated_processes = 10, 2, 1
        args.workers, args.connections = 1, 2
    return args


def _tokens_only(args, credentials, report: dict) -> dict:
    """`--tokens-only`: issue 16's figures alone, best of `--rounds` rounds, in a minute or two."""
    from bench import oauth

    say(f"Token endpoint, sign-ins and token sizes, {args.rounds} rounds (one thread: per CPU core)…")
    report.update(
        oauth.token_figures(credentials=credentials, grants=args.grants, sign_ins=args.sign_ins, rounds=args.rounds)
    )
    oauth.print_token_figures(report)
    return _written(args, report)


def _in_process_only(args, headers: dict, report: dict) -> dict:
    """`--in-process-only`: the full request against both floors as CPU per request, in a few minutes."""
    report.update(_cpu_in_process(args, headers, "abf"))
    print_in_process(report)
    return _written(args, report)


def _cpu_in_process(args, headers: dict, modes: str) -> dict:
    """Each mode's CPU per request in fresh processes: the medians, each process's, and the ratios within one."""
    from bench import isolated

    say(
        f"CPU per request of {', '.join(f'({mode})' for mode in modes)} in process: {args.isolated_processes} fresh "
        f"processes, each the best of {args.isolated_rounds} batches…"
    )
    figures = isolated.cpu_ms_per_mode_in_processes(
        {mode: (MODES[mode][1], headers[mode], mode == "f") for mode in modes},
        requests=args.isolated_requests,
        rounds=args.isolated_rounds,
        processes=args.isolated_processes,
        progress=say,
    )
    return {
        "isolated_cpu_ms_per_request": figures["median"],
        "isolated_cpu_ms_per_request_by_process": figures["by_process"],
        "isolated_cpu_ratios": figures["ratios"],
        "isolated_cpu_ratio_ranges": figures["ratio_ranges"],
    }


def _written(args, report: dict) -> dict:
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return report


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    os.environ["DATABASE_URL"], os.environ["REDIS_URL"] = args.database_url, args.redis_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from django.db import connection

    from bench import load

    if connection.vendor != "postgresql":
        raise SystemExit("The benchmark needs PostgreSQL: pass --database-url postgres://…/rolegate_bench.")
    generator = load.generator(args.load_generator)
    credentials, orders = _seed(args)

    report: dict = {
        "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg()},
        "setup": _setup(args, orders=orders, generator=generator),
    }
    if args.tokens_only:
        return _tokens_only(args, credentials, report)
    headers = {
        "a": {},
        "f": {},
        "b": {"Authorization": f"Bearer {credentials.jwt}"},
        "c": {"Authorization": f"Bearer {credentials.opaque}"},
    }
    if args.in_process_only:
        return _in_process_only(args, headers, report)
    with (
        Gunicorn(workers=args.workers) as rolegate,
        Gunicorn(workers=args.workers, settings="bench.floor_settings") as bare,
    ):
        servers = {mode: bare if mode == "f" else rolegate for mode in MODES}
        for mode, (_, path) in MODES.items():
            _check_mode(servers[mode].url + path, headers[mode], orders)
        rounds: dict[str, list] = {mode: [] for mode in MODES}
        for number in range(1, args.rounds + 1):
            for mode, (label, path) in MODES.items():
                say(f"Round {number}/{args.rounds}: ({mode}) {label}, {args.seconds:g} s…")
                server = servers[mode]
                rounds[mode].append(_measure(args, server, generator, mode, server.url + path, headers[mode]))
        report["api"] = _api_summary(rounds)
        report["memory"] = {"peak_rss_mb_per_worker": rolegate.peak_rss_mb()}

    report.update(_measure_in_process(args, credentials, headers))
    report["ratios"] = {summary: _ratios(report["api"], summary) for summary in ("best", "median")}
    print_report(report)
    return _written(args, report)


def _setup(args, *, orders: int, generator: str) -> dict:
    from django.conf import settings

    return {
        "orders": orders,
        "workers": args.workers,
        "connections": args.connections,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "load_generator": generator,
        "isolated_rounds": args.isolated_rounds,
        "isolated_processes": args.isolated_processes,
        "shared_cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
    }


def _seed(args):
    """Migrates and seeds the benchmark database (idempotent); the credentials and the number of orders."""
    from django.core.management import call_command
    from django.db import connection

    from actions_api.models import Order
    from actions_api.scale import ScaleSize, scale_seed
    from bench import prepare

    say(f"Database {connection.settings_dict['NAME']}: migrating and seeding (idempotent)…")
    call_command("migrate", verbosity=0)
    prepare.ensure_benchmark_database()
    size = ScaleSize(users=args.users, roles=args.roles, orders=args.orders, documents=args.documents)
    scale_seed(size=size, progress=_progress)
    credentials = prepare.prepare_credentials()
    orders = Order.objects.count()
    connection.close()
    return credentials, orders


def _api_summary(rounds: dict[str, list]) -> dict:
    """Each mode's best and median round, with every round kept."""
    return {
        mode: {
            "label": MODES[mode][0],
            "best": _summary(rounds[mode], best=True),
            "median": _summary(rounds[mode], best=False),
            "rounds": rounds[mode],
        }
        for mode in MODES
    }


def _measure(args, server, generator: str, mode: str, url: str, headers: dict) -> dict:
    """One round of one mode under load: throughput, latency and the CPU it cost app and database."""
    from bench import cpu, load

    if args.warmup:
        load.run_load(generator=generator, url=url, headers=headers, seconds=args.warmup, connections=args.connections)
    workers, backends = server.worker_pids(), cpu.database_backends(own=False)
    workers_before, backends_before = cpu.cpu_seconds(workers), cpu.cpu_seconds(backends)
    result = load.run_load(
        generator=generator, url=url, headers=headers, seconds=args.seconds, connections=args.connections
    )
    worker_cpu = cpu.spent(workers_before, cpu.cpu_seconds(workers))
    database_cpu = cpu.spent(backends_before, cpu.cpu_seconds(backends))
    if result.bad_status or result.socket_errors or not result.requests:
        raise SystemExit(
            f"Mode ({mode}) had {result.bad_status} non-2xx responses and "
            f"{result.socket_errors} socket errors out of {result.requests}: not a valid run."
        )
    return {
        **result.__dict__,
        "requests_per_second": result.requests_per_second,
        "worker_cpu_ms_per_request": 1000 * worker_cpu / result.requests,
        "database_cpu_ms_per_request": 1000 * database_cpu / result.requests,
        "requests_per_cpu_second": result.requests / (worker_cpu + database_cpu) if worker_cpu + database_cpu else 0.0,
    }


def _measure_in_process(args, credentials, headers: dict) -> dict:
    """Figures measured without a server: CPU per request, the token endpoint, sign-ins, token sizes."""
    from bench import oauth

    report = _cpu_in_process(args, headers, "".join(MODES))
    say("Token endpoint, sign-ins and token sizes (one thread: per CPU core)…")
    report.update(
        oauth.token_figures(credentials=credentials, grants=args.grants, sign_ins=args.sign_ins, rounds=args.rounds)
    )
    return report


def _check_mode(url: str, headers: dict, orders: int) -> None:
    """Each mode must answer 200 with the whole list before it is timed."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
            page = json.load(response)
    except urllib.error.HTTPError as error:
        raise SystemExit(f"{url} answered {error.code} before timing: {error.read()[:300]!r}") from None
    if page.get("count") != orders or len(page.get("results", [])) != min(20, orders):
        raise SystemExit(f"{url} did not list the {orders:,} orders 20 to a page: {str(page)[:200]}")


#: Figure -> whether more is better. Other agents' load only ever makes a figure worse, so the best
#: round is the closest to the machine's own capacity; the median shows what a busy machine gives.
FIGURES = {
    "requests_per_second": True,
    "p50_ms": False,
    "p95_ms": False,
    "p99_ms": False,
    "worker_cpu_ms_per_request": False,
    "database_cpu_ms_per_request": False,
    "requests_per_cpu_second": True,
}


def _summary(rounds: list[dict], *, best: bool) -> dict:
    if not best:
        return {key: statistics.median(round_[key] for round_ in rounds) for key in FIGURES}
    return {key: (max if more else min)(round_[key] for round_ in rounds) for key, more in FIGURES.items()}


def _ratios(api: dict, summary: str) -> dict:
    a, b, c, f = (api[mode][summary] for mode in "abcf")
    return {
        "b/f p50": b["p50_ms"] / f["p50_ms"],
        "f/b throughput": f["requests_per_second"] / b["requests_per_second"],
        "b/f CPU per request": _cpu_per_request(b) / _cpu_per_request(f),
        "b/a throughput": b["requests_per_second"] / a["requests_per_second"],
        "b/a p50": b["p50_ms"] / a["p50_ms"],
        "b/a per CPU-second": b["requests_per_cpu_second"] / a["requests_per_cpu_second"],
        "b/c throughput": b["requests_per_second"] / c["requests_per_second"],
        "b/c p50": b["p50_ms"] / c["p50_ms"],
        "b/c per CPU-second": b["requests_per_cpu_second"] / c["requests_per_cpu_second"],
    }


def _cpu_per_request(figures: dict) -> float:
    """Application and database CPU per request, under load."""
    return figures["worker_cpu_ms_per_request"] + figures["database_cpu_ms_per_request"]


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _progress(step: str, done: int, total: int) -> None:
    if total and (done == total or done % 200_000 == 0):
        say(f"  {step}: {done:,}/{total:,}")


if __name__ == "__main__":
    main()
