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

from django.db import DatabaseError
from django.utils import timezone

from actions_api.models import ActionCall

logger = logging.getLogger(__name__)

API_PATH_PREFIX = "/api/v1/"


def action_call_record(*, request, response, duration_ms: int) -> ActionCall:
    """Stores what happened to one API request; the row never holds the token."""
    token = getattr(request, "auth", None)
    data = getattr(response, "data", None)
    problem = data if isinstance(data, dict) and response.status_code >= 400 else {}
    return ActionCall.objects.create(
        method=request.method[:8],
        endpoint=request.path[:200],
        status=response.status_code,
        subject=getattr(token, "subject", "")[:64],
        username=getattr(token, "username", "")[:150],
        client_id=getattr(token, "client_id", "")[:100],
        rows=_rows_returned(data) if response.status_code < 300 else None,
        error=str(problem.get("error", ""))[:40],
        reason=str(problem.get("detail", ""))[:500],
        duration_ms=duration_ms,
        request_id=getattr(request, "request_id", ""),
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
