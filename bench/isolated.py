"""
The CPU one request costs in each mode, measured in fresh processes without a network or a load generator.

`python -m bench.isolated` is one such process: it reads what to time as JSON on stdin and
writes its figures as JSON on stdout (the benchmark's settings and database come from the
environment the runner passes on).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

Modes = dict[str, tuple[str, dict[str, str], bool]]


def cpu_ms_per_mode_in_processes(
    modes: Modes, *, requests: int, rounds: int, processes: int, progress=lambda message: None
) -> dict:
    """
    :func:`cpu_ms_per_mode` in `processes` fresh interpreters, one after another; returns each
    process's figures, the median of each mode's, and each ratio between two modes taken within
    each process, as its median and its range over the processes.

    Why several processes: within one process the best of many batches is steady, but from one
    process to the next the same mode moved by up to 15% on this machine kind (memory layout,
    hash seeds, where the allocator's arenas fall), more than the 10% a target leaves; pyperf
    spawns worker processes for the same reason. A ratio is taken within a process, where the
    modes were interleaved, and its median over processes is what a target is judged on.
    """
    spec = json.dumps({"modes": modes, "requests": requests, "rounds": rounds})
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    each = []
    for number in range(1, processes + 1):
        finished = subprocess.run(
            [sys.executable, "-m", "bench.isolated"], input=spec, capture_output=True, text=True, env=environment
        )
        if finished.returncode != 0:
            raise RuntimeError(f"the in-process timing failed:\n{finished.stderr[-3000:]}")
        each.append(json.loads(finished.stdout))
        progress(f"process {number}/{processes}: " + ", ".join(f"({m}) {ms:.2f} ms" for m, ms in each[-1].items()))
    ratios = {
        f"{top}/{bottom}": [figures[top] / figures[bottom] for figures in each]
        for top in modes
        for bottom in modes
        if top != bottom
    }
    return {
        "by_process": each,
        "median": {mode: statistics.median(figures[mode] for figures in each) for mode in modes},
        "ratios": {pair: statistics.median(values) for pair, values in ratios.items()},
        "ratio_ranges": {pair: (min(values), max(values)) for pair, values in ratios.items()},
    }


def cpu_ms_per_mode(modes: Modes, *, requests: int, rounds: int) -> dict:
    """
    CPU milliseconds per request of each mode ``{mode: (path, headers, true_floor)}`` through
    Django's full stack, best of `rounds` interleaved batches of `requests` (other processes can
    only make a batch slower, so many short batches find the machine's quiet moments; the order
    of the modes alternates from one round to the next). This process's CPU, every thread
    included; each batch ends by writing the Action calls it recorded, so a mode pays for its
    own log. The queries' client side is counted, not PostgreSQL's own CPU.
    """
    from actions_api.call_log import action_calls  # the app registry is ready only once the process set Django up

    action_calls.flush_in_background()
    clients = {mode: _client(headers, true_floor=true_floor) for mode, (_, headers, true_floor) in modes.items()}
    for mode, (path, _, _) in modes.items():  # warm caches, connections, the signing-key set and middleware
        for _ in range(max(5, requests // 2)):
            _get(clients[mode], path)
    action_calls.flush()
    best = {mode: float("inf") for mode in modes}
    for number in range(rounds):
        for mode in list(modes)[:: 1 if number % 2 == 0 else -1]:
            path = modes[mode][0]
            started = time.process_time()
            for _ in range(requests):
                _get(clients[mode], path)
            action_calls.flush()
            best[mode] = min(best[mode], (time.process_time() - started) * 1000 / requests)
    return best


def _client(headers: dict[str, str], *, true_floor: bool):
    from django.test import Client, override_settings

    from bench import floor_settings

    client = Client(
        HTTP_HOST="127.0.0.1", **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    )
    if true_floor:  # the handler builds its middleware chain on its first request: build it with the floor's
        with override_settings(MIDDLEWARE=floor_settings.MIDDLEWARE):
            client.handler.load_middleware()
    return client


def _get(client, path: str) -> None:
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}: {response.content[:300]!r}")


if __name__ == "__main__":
    import django

    django.setup()
    asked = json.load(sys.stdin)
    modes = {mode: (path, headers, true_floor) for mode, (path, headers, true_floor) in asked["modes"].items()}
    json.dump(cpu_ms_per_mode(modes, requests=asked["requests"], rounds=asked["rounds"]), sys.stdout)
