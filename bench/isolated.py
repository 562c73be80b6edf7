"""The CPU one request costs in each mode, measured in this process without a network or a load generator."""

from __future__ import annotations

import time

from django.test import Client, override_settings

from actions_api.call_log import action_calls
from bench import floor_settings


def cpu_ms_per_mode(modes: dict[str, tuple[str, dict[str, str], bool]], *, requests: int, rounds: int = 5) -> dict:
    """
    CPU milliseconds per request of each mode ``{mode: (path, headers, true_floor)}`` through
    Django's full stack, best of `rounds` interleaved batches (other processes can only make a
    batch slower). This process's CPU, every thread included: the Action-call log's flusher runs
    here as in a server. The queries' client side is counted, not PostgreSQL's own CPU.
    """
    action_calls.flush_in_background()
    clients = {mode: _client(headers, true_floor=true_floor) for mode, (_, headers, true_floor) in modes.items()}
    for mode, (path, _, _) in modes.items():  # warm caches, connections, the signing-key set and middleware
        for _ in range(max(5, requests // 10)):
            _get(clients[mode], path)
    best = {mode: float("inf") for mode in modes}
    for _ in range(rounds):
        for mode, (path, _, _) in modes.items():
            started = time.process_time()
            for _ in range(requests):
                _get(clients[mode], path)
            best[mode] = min(best[mode], (time.process_time() - started) * 1000 / requests)
    return best


def _client(headers: dict[str, str], *, true_floor: bool) -> Client:
    client = Client(
        HTTP_HOST="127.0.0.1", **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    )
    if true_floor:  # the handler builds its middleware chain on its first request: build it with the floor's
        with override_settings(MIDDLEWARE=floor_settings.MIDDLEWARE):
            client.handler.load_middleware()
    return client


def _get(client: Client, path: str) -> None:
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}: {response.content[:300]!r}")
