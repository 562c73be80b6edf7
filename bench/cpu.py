"""
CPU time actually spent, read from /proc: what makes figures comparable on a shared, noisy machine.

A request's cost is the CPU of the process that served it plus that of the PostgreSQL backend
that answered its queries (same host); wall-clock rates also depend on what else runs.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.db import connection

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each process still alive (others are left out)."""
    result = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        result[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
    return result


def spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two readings by the processes present in both."""
    return sum(after[pid] - before[pid] for pid in before.keys() & after.keys())


def database_backends(*, own: bool) -> list[int]:
    """PostgreSQL backends serving this database: this process's own, or every other one."""
    with connection.cursor() as cursor:
        if own:
            cursor.execute("SELECT pg_backend_pid()")
        else:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        return [row[0] for row in cursor.fetchall()]


def readable(pids: list[int]) -> bool:
    """Whether these backends run on this host (else their CPU cannot be counted)."""
    return bool(pids) and len(cpu_seconds(pids)) == len(pids)
