"""What `make bench` prints: every figure, and each target as OK or MISSED."""

from __future__ import annotations

import os

#: Issue 18: the whole request (b) against the true floor (f), in CPU per request.
TARGET_RATIO_TO_TRUE_FLOOR = 1.10
TARGET_RATIO_TO_FLOOR, TARGET_P95_MS = 1.2, 50.0


def print_in_process(report: dict) -> None:
    """`--in-process-only`'s line."""
    cpu, ratios = report["isolated_cpu_ms_per_request"], report["isolated_cpu_ratios"]
    print(
        f"CPU per request in process, load average {os.getloadavg()[0]:.2f}: "
        + ", ".join(f"({mode}) {ms:.2f} ms" for mode, ms in cpu.items())
        + f"; b/a {ratios['b/a']:.2f}; full request / true floor (b/f) {ratios['b/f']:.2f} "
        f"(<= {TARGET_RATIO_TO_TRUE_FLOOR}; {_spread(report, 'b/f')})"
    )


def print_report(report: dict) -> None:
    from bench import oauth  # imports Django's models: only once the runner has set Django up
    from bench.oauth import mark as _mark

    setup, api = report["setup"], report["api"]
    print(
        f"\nRolegate benchmark: {setup['orders']:,} orders, gunicorn {setup['workers']} workers, "
        f"{setup['connections']} connections, {setup['load_generator']}, {setup['rounds']} rounds x "
        f"{setup['seconds']:g} s per mode; shared cache {setup['shared_cache']}; {report['machine']['cpus']} CPUs, "
        f"load average {report['machine']['load_average'][0]:.2f} at start"
    )
    for summary in ("best", "median"):
        print(
            f"\n{summary + ' of rounds':<36}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
            f"{'app CPU ms':>11}{'DB CPU ms':>10}{'req/CPU-s':>10}"
        )
        for mode, row in api.items():
            figures = row[summary]
            print(
                f"({mode}) {row['label']:<32}{figures['requests_per_second']:>8.1f}{figures['p50_ms']:>8.2f}"
                f"{figures['p95_ms']:>8.2f}{figures['p99_ms']:>8.2f}{figures['worker_cpu_ms_per_request']:>11.2f}"
                f"{figures['database_cpu_ms_per_request']:>10.2f}{figures['requests_per_cpu_second']:>10.1f}"
            )
        ratios = report["ratios"][summary]
        print("ratios: " + ", ".join(f"{name} {value:.2f}" for name, value in ratios.items()))
    ratios, b = report["ratios"]["best"], api["b"]["best"]
    print(
        f"\ntargets (best of rounds): b/a p50 {ratios['b/a p50']:.2f} (<= {TARGET_RATIO_TO_FLOOR}) "
        f"{_mark(ratios['b/a p50'] <= TARGET_RATIO_TO_FLOOR)}; "
        f"a/b throughput {1 / ratios['b/a throughput']:.2f} (<= {TARGET_RATIO_TO_FLOOR}) "
        f"{_mark(1 / ratios['b/a throughput'] <= TARGET_RATIO_TO_FLOOR)}; "
        f"a/b per CPU-second {1 / ratios['b/a per CPU-second']:.2f} (<= {TARGET_RATIO_TO_FLOOR}) "
        f"{_mark(1 / ratios['b/a per CPU-second'] <= TARGET_RATIO_TO_FLOOR)}; "
        f"b faster than c {_mark(ratios['b/c throughput'] > 1)}; "
        f"p95 of b {b['p95_ms']:.1f} ms (< {TARGET_P95_MS:g}) {_mark(b['p95_ms'] < TARGET_P95_MS)}"
    )
    isolated_cpu, isolated_ratios = report["isolated_cpu_ms_per_request"], report["isolated_cpu_ratios"]
    print(
        "CPU per request in process (no network, no load generator; median of "
        f"{setup['isolated_processes']} fresh processes, each the best of {setup['isolated_rounds']} batches): "
        + ", ".join(f"({mode}) {ms:.2f} ms" for mode, ms in isolated_cpu.items())
        + f"; b/a {isolated_ratios['b/a']:.2f} (<= {TARGET_RATIO_TO_FLOOR}) "
        f"{_mark(isolated_ratios['b/a'] <= TARGET_RATIO_TO_FLOOR)}, b/c {isolated_ratios['b/c']:.2f}"
    )
    true_floor_load, true_floor_in_process = ratios["b/f CPU per request"], isolated_ratios["b/f"]
    print(
        f"full request / true floor (b/f), CPU per request: in process {true_floor_in_process:.2f} "
        f"({_spread(report, 'b/f')}), under load "
        f"{true_floor_load:.2f} (app + DB; <= {TARGET_RATIO_TO_TRUE_FLOOR}) "
        f"{_mark(max(true_floor_in_process, true_floor_load) <= TARGET_RATIO_TO_TRUE_FLOOR)}; "
        f"p50 {ratios['b/f p50']:.2f}, throughput f/b {ratios['f/b throughput']:.2f}"
    )
    print(
        "memory: peak RSS per worker " + ", ".join(f"{mb:.1f} MB" for mb in report["memory"]["peak_rss_mb_per_worker"])
    )
    oauth.print_token_figures(report)


def _spread(report: dict, pair: str) -> str:
    low, high = report["isolated_cpu_ratio_ranges"][pair]
    processes = len(report["isolated_cpu_ms_per_request_by_process"])
    return f"median of {processes} process{'es' * (processes != 1)}, {low:.2f} to {high:.2f}"
