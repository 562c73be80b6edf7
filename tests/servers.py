"""Helpers for tests that run the portal in a real server process."""

import socket


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def uvicorn_command(port: int, *options: str) -> list[str]:
    """The README's deployable on a loopback port, with extra uvicorn `options` (workers, shutdown…)."""
    import sys

    return [sys.executable, "-m", "uvicorn", "portal.asgi:application", "--host", "127.0.0.1", "--port", str(port),
            *options]
