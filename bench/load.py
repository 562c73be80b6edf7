"""
Load generators, run in processes of their own on loopback: wrk when installed, else a small Python one.

Both return the same :class:`LoadResult`; a run with any non-2xx response or socket error is
refused by the runner, so an error page can never pass for a fast answer.
"""

from __future__ import annotations

import http.client
import json
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

WRK_SCRIPT = Path(__file__).with_name("wrk_report.lua")
WRK_MISSING = "wrk is not installed (Debian/Ubuntu: apt-get install -y wrk); using the Python load generator."


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    bad_status: int
    socket_errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def generator(name: str) -> str:
    """'wrk' or 'python'; 'auto' picks wrk when it is installed."""
    if name == "auto":
        if shutil.which("wrk"):
            return "wrk"
        print(WRK_MISSING, file=sys.stderr)
        return "python"
    if name == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed. Install it (apt-get install -y wrk) or pass --load-generator python.")
    return name


def run_load(*, generator: str, url: str, headers: dict[str, str], seconds: float, connections: int) -> LoadResult:
    if generator == "wrk":
        return _wrk(url, headers, seconds, connections)
    return _python(url, headers, seconds, connections)


def _wrk(url: str, headers: dict[str, str], seconds: float, connections: int) -> LoadResult:
    command = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(WRK_SCRIPT),
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH-JSON "))
    figures = json.loads(line.removeprefix("BENCH-JSON "))
    return LoadResult(
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        bad_status=figures["bad_status"],
        socket_errors=figures["socket_errors"],
        p50_ms=figures["p50_us"] / 1000,
        p95_ms=figures["p95_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
    )


def _python(url: str, headers: dict[str, str], seconds: float, connections: int) -> LoadResult:
    """Runs the Python generator in a child process, so it never shares an interpreter with the runner."""
    spec = json.dumps({"url": url, "headers": headers, "seconds": seconds, "connections": connections})
    output = subprocess.run([sys.executable, "-m", "bench.load", spec], capture_output=True, text=True, check=True)
    return LoadResult(**json.loads(output.stdout))


def _python_load(url: str, headers: dict[str, str], seconds: float, connections: int) -> LoadResult:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[float] = []
    counts = {"bad_status": 0, "socket_errors": 0}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client() -> None:
        connection = None
        mine: list[float] = []
        while time.monotonic() < deadline:
            connection = connection or http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            started = time.perf_counter()
            try:
                connection.request("GET", target, headers=headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                with lock:
                    counts["socket_errors"] += 1
                connection.close()
                connection = None
                continue
            mine.append(time.perf_counter() - started)
            if not 200 <= response.status < 300:
                with lock:
                    counts["bad_status"] += 1
            if response.will_close:
                connection.close()
                connection = None
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    cuts = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else latencies * 99
    return LoadResult(
        requests=len(latencies),
        seconds=elapsed,
        **counts,
        p50_ms=cuts[49] * 1000 if cuts else 0.0,
        p95_ms=cuts[94] * 1000 if cuts else 0.0,
        p99_ms=cuts[98] * 1000 if cuts else 0.0,
    )


if __name__ == "__main__":
    spec = json.loads(sys.argv[1])
    result = _python_load(spec["url"], spec["headers"], spec["seconds"], spec["connections"])
    print(json.dumps(result.__dict__))
