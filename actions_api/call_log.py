"""
The "Action calls" log: one row per Actions API request, for builders diagnosing a GPT.

Written by a middleware after the response is built, from what authentication already put
on the request (the verified token) and what the view returned, so it adds exactly one
INSERT to a request and no lookup. The token itself is never recorded.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Mapping
from typing import Any

from django.db import DatabaseError
from django.utils import timezone

from actions_api.models import ActionCall
from actions_api.request_ids import current_request_id

logger = logging.getLogger(__name__)

API_PATH_PREFIX = "/api/v1/"


def action_call_record(*, request, response, duration_ms: int) -> ActionCall:
    """Stores what happened to one API request; the row never holds the token."""
    data = getattr(response, "data", None)
    problem = data if isinstance(data, dict) and response.status_code >= 400 else {}
    return _record(
        method=request.method,
        endpoint=request.path,
        token=getattr(request, "auth", None),
        status=response.status_code,
        rows=_rows_returned(data) if response.status_code < 300 else None,
        error=str(problem.get("error", "")),
        reason=str(problem.get("detail", "")),
        duration_ms=duration_ms,
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
) -> ActionCall:
    """
    Stores one MCP tool call like an API request: the tool and its arguments' shape as the
    endpoint (``list_orders(page:int, page_size:int)``), never the arguments' values.
    """
    shape = ", ".join(f"{name}:{type(value).__name__}" for name, value in arguments.items())
    return _record(
        method="MCP",
        endpoint=f"{tool}({shape})",
        token=token,
        status=status,
        rows=rows,
        error=error,
        reason=reason,
        duration_ms=duration_ms,
    )


def _record(*, method: str, endpoint: str, token, status: int, rows, error: str, reason: str, duration_ms: int):
    return ActionCall.objects.create(
        method=method[:8],
        endpoint=endpoint[:200],
        status=status,
        subject=getattr(token, "subject", "")[:64],
        username=getattr(token, "username", "")[:150],
        client_id=getattr(token, "client_id", "")[:100],
        rows=rows,
        error=error[:40],
        reason=reason[:500],
        duration_ms=duration_ms,
        request_id=current_request_id(),  # the request's (RequestIdMiddleware); "" outside one
    )


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
    """Records every request under /api/v1/; a failure to record never fails the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PATH_PREFIX):
            return self.get_response(request)
        started = time.monotonic()
        response = self.get_response(request)
        if response.status_code == 503:  # the database is unreachable or saturated: nowhere to record
            return response
        try:
            action_call_record(
                request=request, response=response, duration_ms=round((time.monotonic() - started) * 1000)
            )
        except DatabaseError:
            logger.exception("Could not record the Action call %s %s", request.method, request.path)
        return response
