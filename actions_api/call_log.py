"""
The "Action calls" log: one row per Actions API request or MCP tool call, for builders diagnosing a GPT.

Recording a call costs the request a dict appended to an in-memory buffer: no query. The rows
are written in one statement (``COPY`` on PostgreSQL) by :class:`ActionCallBuffer`: every
``ACTION_CALL_FLUSH_SECONDS`` (1 s) by a background thread, at once by the request that fills
the buffer to ``ACTION_CALL_BUFFER_SIZE`` (so memory stays bounded and nothing is dropped),
and at shutdown (ASGI lifespan and ``atexit``, which gunicorn's and uvicorn's workers run on a
clean stop). A process that is killed outright (SIGKILL, out of memory, power loss) loses at
most the calls of its last flush interval, and never more than ``ACTION_CALL_BUFFER_SIZE``.
The token itself is never recorded.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Mapping
from typing import Any

from asgiref.sync import sync_to_async
from django.db import DatabaseError, DataError, IntegrityError, connection, transaction
from django.utils import timezone
from prometheus_client import Counter

from actions_api.models import ActionCall
from roles.conf import rolegate_settings

logger = logging.getLogger(__name__)

API_PATH_PREFIX = "/api/v1/"

CALLS_DROPPED = Counter(
    "rolegate_action_calls_dropped",
    "Action-call rows dropped: refused by the database, or pending past the buffer's size.",
)


class ActionCallBuffer:
    """Pending Action-call rows (as field dicts) and the thread that writes them in batches."""

    def __init__(self) -> None:
        self._rows: list[dict[str, Any]] = []
        self._lock = threading.Lock()  # guards _rows: held for an append or a swap, never for I/O
        self._flushing = threading.Lock()  # one write at a time, in call order
        self._background = False
        self._flusher_pid: int | None = None

    def add(self, row: dict[str, Any]) -> None:
        with self._lock:
            self._rows.append(row)
            full = len(self._rows) >= rolegate_settings.ACTION_CALL_BUFFER_SIZE
        if full:
            self.flush()
        elif self._background and self._flusher_pid != os.getpid():
            self._start_flusher()

    def flush(self) -> int:
        """Writes every pending row in one statement; returns how many. On a database error they stay pending."""
        with self._flushing:
            with self._lock:
                batch, self._rows = self._rows, []
            if not batch:
                return 0
            try:
                with transaction.atomic():  # a savepoint when flushed inside a request's transaction
                    ActionCall.objects.write(batch)
            except (DataError, IntegrityError):
                return self._write_one_by_one(batch)  # a row the database refuses must not hold back the others
            except DatabaseError:
                logger.exception("Could not write %d Action calls; keeping them for the next flush", len(batch))
                self._keep(batch)
                return 0
            return len(batch)

    @staticmethod
    def _write_one_by_one(batch: list[dict[str, Any]]) -> int:
        written = 0
        for row in batch:
            try:
                with transaction.atomic():
                    ActionCall.objects.create(**row)
                written += 1
            except (DataError, IntegrityError):
                CALLS_DROPPED.inc()
                logger.exception("Dropped an Action call the database refused: %s %s", row["method"], row["endpoint"])
        return written

    def pending(self) -> int:
        return len(self._rows)

    def discard(self) -> None:
        """Forgets pending rows (tests: a call of one test must not be written during the next)."""
        with self._lock:
            self._rows = []

    def flush_in_background(self) -> None:
        """For server processes: a flusher thread (started in the process that records, also after a fork)."""
        if not self._background:
            self._background = True
            atexit.register(self.flush)

    def _keep(self, batch: list[dict[str, Any]]) -> None:
        with self._lock:
            room = max(0, rolegate_settings.ACTION_CALL_BUFFER_SIZE - len(self._rows))
            kept = batch[len(batch) - room :] if room < len(batch) else batch
            self._rows[:0] = kept
        if len(kept) < len(batch):
            CALLS_DROPPED.inc(len(batch) - len(kept))
            logger.error("Dropped %d Action calls: the database refused them for too long", len(batch) - len(kept))

    def _start_flusher(self) -> None:
        with self._lock:
            if self._flusher_pid == os.getpid():
                return
            self._flusher_pid = os.getpid()
        threading.Thread(target=self._flush_periodically, name="action-call-log", daemon=True).start()

    def _flush_periodically(self) -> None:
        while True:
            time.sleep(rolegate_settings.ACTION_CALL_FLUSH_SECONDS)
            try:
                if self.flush():
                    connection.close()  # this thread's connection goes back to the pool between flushes
            except Exception:  # noqa: BLE001 - the flusher must outlive any one failure
                logger.exception(
                    "The Action-call flusher failed; retrying in %s s", rolegate_settings.ACTION_CALL_FLUSH_SECONDS
                )


action_calls = ActionCallBuffer()


def flushing_before_shutdown(send):
    """Wraps an ASGI lifespan `send`: pending calls are written before the server is told shutdown is complete."""

    async def send_after_flush(message):
        if message["type"] == "lifespan.shutdown.complete":
            await sync_to_async(action_calls.flush, thread_sensitive=False)()
        await send(message)

    return send_after_flush


def action_call_record(*, request, response, duration_ms: int) -> None:
    """Records what happened to one API request; the row never holds the token."""
    data = getattr(response, "data", None)
    problem = data if isinstance(data, dict) and response.status_code >= 400 else {}
    _record(
        method=request.method,
        endpoint=request.path,
        token=getattr(request, "auth", None),
        status=response.status_code,
        rows=_rows_returned(data) if response.status_code < 300 else None,
        error=str(problem.get("error", "")),
        reason=str(problem.get("detail", "")),
        duration_ms=duration_ms,
        request_id=getattr(request, "request_id", ""),
    )


def tool_call_record(
    *,
    tool: str,
    arguments: Mapping[str, Any],
    token,
    status: int,
    rows: int | None,
    error: str,
    reason: str,
    duration_ms: int,
    request_id: str,
) -> None:
    """
    Records one MCP tool call like an API request: the tool and its arguments' shape as the
    endpoint (``list_orders(page:int, page_size:int)``), never the arguments' values.
    """
    shape = ", ".join(f"{name}:{type(value).__name__}" for name, value in arguments.items())
    _record(
        method="MCP",
        endpoint=f"{tool}({shape})",
        token=token,
        status=status,
        rows=rows,
        error=error,
        reason=reason,
        duration_ms=duration_ms,
        request_id=request_id,
    )


def _record(
    *,
    method: str,
    endpoint: str,
    token,
    status: int,
    rows,
    error: str,
    reason: str,
    duration_ms: int,
    request_id: str,
) -> None:
    action_calls.add(
        {
            "at": timezone.now(),
            "method": _text(method, 8),
            "endpoint": _text(endpoint, 200),
            "status": status,
            "subject": _text(getattr(token, "subject", ""), 64),
            "username": _text(getattr(token, "username", ""), 150),
            "client_id": _text(getattr(token, "client_id", ""), 100),
            "rows": rows,
            "error": _text(error, 40),
            "reason": _text(reason, 500),
            "duration_ms": duration_ms,
            "request_id": _text(request_id, 64),
        }
    )


def _text(value: str, length: int) -> str:
    """Fits the column; PostgreSQL refuses NUL in text, which a token's claims may carry."""
    return value[:length].replace("\x00", "")


def action_calls_prune(*, older_than_days: int) -> int:
    """Deletes calls older than `older_than_days`; returns how many."""
    deleted, _ = ActionCall.objects.older_than(timezone.now() - dt.timedelta(days=older_than_days)).delete()
    return deleted


def _rows_returned(data) -> int | None:
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        return len(data["results"])
    if isinstance(data, dict) and "id" in data:
        return 1
    return None


class ActionCallLogMiddleware:
    """Records every request under /api/v1/ (in memory: see :class:`ActionCallBuffer`); others pass untouched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PATH_PREFIX):
            return self.get_response(request)
        started = time.monotonic()
        response = self.get_response(request)
        if response.status_code != 503:  # the database is unreachable or saturated: nowhere to record
            action_call_record(
                request=request, response=response, duration_ms=round((time.monotonic() - started) * 1000)
            )
        return response
