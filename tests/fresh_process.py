"""
`python manage.py …` or `python -c …` in a process of its own, forked from one that has already
imported the libraries Django's start-up spends most of its CPU on (`python -m tests.fresh_process`).

A test that checks what the environment makes of the settings (`manage.py check --deploy` with a
weakened configuration, the quick start's commands) needs a process whose settings were never
read: each such child gets exactly the environment asked for, reads the settings, sets Django up
and runs the command, as a new interpreter would. Only imports that read neither the settings nor
the environment are shared (PRELOAD), which takes ~1.1 of the ~1.6 CPU-seconds of each command.
"""

from __future__ import annotations

import importlib
import json
import os
import runpy
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
#: Imported once by the server. None of them reads Django's settings or the environment on import
#: (prometheus_client does, so it is not here).
PRELOAD = (
    "django.contrib.admin.checks",
    "django.core.management",
    "django.db.models",
    "django.forms",
    "django.template",
    "django.urls",
    "argon2",
    "cryptography.x509",
    "jwcrypto.jwk",
    "jwt",
    "oauthlib.oauth2",
    "openpyxl",
    "psycopg",
    "pydantic",
    "qrcode",
    "redis",
    "scim2_models",
    "tablib",
    "webauthn",
)


class FreshProcesses:
    """Runs commands in children of one server process, started on first use; `close()` stops it."""

    def __init__(self) -> None:
        self.server: subprocess.Popen | None = None

    def run(self, *args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
        """As `subprocess.run([sys.executable, *args], cwd=PROJECT_DIR, env=env, capture_output=True, text=True)`."""
        if self.server is None:
            self.server = subprocess.Popen(
                [sys.executable, "-m", "tests.fresh_process"],
                cwd=PROJECT_DIR,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        self.server.stdin.write(json.dumps({"args": list(args), "env": env, "timeout": timeout}) + "\n")
        self.server.stdin.flush()
        answer = json.loads(self.server.stdout.readline())
        return subprocess.CompletedProcess([sys.executable, *args], **answer)

    def close(self) -> None:
        if self.server is not None:
            self.server.stdin.close()
            self.server.wait(timeout=10)
            self.server = None


def serve() -> None:
    """The server: imports PRELOAD, then runs each request (a JSON line on stdin) in a forked child."""
    for module in PRELOAD:
        importlib.import_module(module)
    for line in sys.stdin:
        request = json.loads(line)
        answer = _forked(request["args"], request["env"], timeout=request["timeout"])
        print(json.dumps(answer), flush=True)


def _forked(args: list[str], env: dict[str, str], *, timeout: float) -> dict:
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            os.dup2(stdout.fileno(), 1)
            os.dup2(stderr.fileno(), 2)
            os.environ.clear()
            os.environ.update(env)
            os._exit(_child(args))
        status = _wait(pid, deadline=time.monotonic() + timeout)
        stdout.seek(0)
        stderr.seek(0)
        return {
            "returncode": os.waitstatus_to_exitcode(status),
            "stdout": stdout.read().decode(errors="replace"),
            "stderr": stderr.read().decode(errors="replace"),
        }


def _wait(pid: int, *, deadline: float) -> int:
    """The child's wait status; a child still running at `deadline` is killed (as subprocess.run's timeout)."""
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            return os.waitpid(pid, 0)[1]
        time.sleep(0.005)


def _child(args: list[str]) -> int:
    """Runs `python *args` (a script's path, or `-c CODE`) in this process; its exit status."""
    code = 0
    try:
        if args[0] == "-c":
            sys.argv = ["-c", *args[2:]]
            exec(compile(args[1], "<string>", "exec"), {"__name__": "__main__"})
        else:
            sys.argv = list(args)
            runpy.run_path(str(PROJECT_DIR / args[0]), run_name="__main__")
    except SystemExit as exit_:
        if isinstance(exit_.code, str):
            print(exit_.code, file=sys.stderr)
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except Exception:  # reported as the interpreter would, with exit status 1
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    return code


if __name__ == "__main__":
    serve()
