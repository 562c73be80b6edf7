"""The benchmark runners, run end to end on tiny data so that they cannot rot."""

import subprocess
import sys
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def run_smoke(module: str, *args: str, timeout: int = 240) -> subprocess.CompletedProcess:
    """`python -m module --smoke *args` on the test database, as `make bench` runs it."""
    settings = connection.settings_dict
    database_url = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT'] or 5432}/{settings['NAME']}"
    return subprocess.run(
        [sys.executable, "-m", module, "--smoke", "--database-url", database_url, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
