"""The CPU one request costs in each mode, measured in this process without a network or a load generator."""

from __future__ import annotations

import time

from django.test import Client, override_settings

from actions_api.call_log import action_calls
from bench import floor_settings


def cpu_ms_per_mode(modes: dict[str, tuple[str, dict[str, str], bool]], *, requests: int, rounds: int) -> dict:
    """
    CPU milliseconds per request of each mode ``{mode: (path, headers, true_floor)}`` through
    Django's full stack, best of `rounds` interleaved batches of `requests` (other processes can
    only make a batch slower, so many short batches find the machine's quiet moments; the order
    of the modes alternates from one round to the next). This process's CPU, every thread
    included; each batch ends by writing the Action calls it recorded, so a mode pays for its
    own log. The queries' client side is counted, not PostgreSQL's own CPU.
    """
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
