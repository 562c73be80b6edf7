"""The CPU one request costs in each mode, measured in this process without a network or a load generator."""

from __future__ import annotations

import time

from django.test import Client


def request_cpu_ms(path: str, headers: dict[str, str], *, requests: int, batches: int = 5) -> float:
    """
    CPU milliseconds per request through Django's full stack (best batch: other processes can only
    make a batch slower). Includes the queries' client side, not PostgreSQL's own CPU.
    """
    client = Client(
        HTTP_HOST="127.0.0.1", **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    )
    for _ in range(max(5, requests // 10)):  # warm caches, connections and the signing-key set
        _get(client, path)
    best = float("inf")
    for _ in range(batches):
        started = time.process_time()
        for _ in range(requests):
            _get(client, path)
        best = min(best, (time.process_time() - started) * 1000 / requests)
    return best


def _get(client: Client, path: str) -> None:
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}: {response.content[:300]!r}")
