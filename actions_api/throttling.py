"""
Rate limits on the Actions API: one budget per user and one per connection (OAuth client).

Both are keyed by what the verified token says (`sub`, `client_id`), never by anything else
in the request. Counters live in the default cache: set REDIS_URL so that every process of a
deployment shares them. Rates are read from settings on each request so they can be tuned
per deployment (`API_RATE_PER_USER`, `API_RATE_PER_CONNECTION`, DRF's "120/min" format).

Each budget is a sliding-window counter (the current fixed window's count plus the previous
window's, weighted by how much of it still overlaps the sliding window), the estimate that
Redis-backed limiters commonly use. Both budgets are counted and read in one cache round trip
(:func:`roles.resilient_cache.count_and_read`), with atomic increments, so concurrent requests
from any number of processes are all counted. A refused call counts too: a client that keeps
calling while over its budget stays refused until it slows down.
"""

from __future__ import annotations

import time

from django.core.cache import caches
from rest_framework.throttling import BaseThrottle

from actions_api.token_verification import VerifiedToken
from roles.conf import rolegate_settings
from roles.resilient_cache import count_and_read

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """A rate such as "120/min" -> (120, 60): requests and window seconds, read as DRF reads it."""
    requests, period = rate.split("/")
    return int(requests), PERIODS[period[0]]


def throttle_wait(token: VerifiedToken) -> float | None:
    """
    Counts one call of `token` against its user's and its connection's budgets; returns the
    seconds to wait when over either, else None. The REST API (:class:`TokenRateThrottle`) and
    the MCP tools count through here alike.
    """
    budgets = [
        (f"user:{token.subject}", *parse_rate(rolegate_settings.API_RATE_PER_USER)),
        (f"connection:{token.client_id}", *parse_rate(rolegate_settings.API_RATE_PER_CONNECTION)),
    ]
    now = time.time()
    current, previous = {}, []
    for ident, _, window in budgets:
        index = int(now // window)
        current[f"rolegate:rate:{ident}:{window}:{index}"] = 2 * window  # kept while it is someone's previous
        previous.append(f"rolegate:rate:{ident}:{window}:{index - 1}")
    counts, earlier = count_and_read(caches["default"], current, previous)
    waits = []
    for (_, limit, window), count, before in zip(budgets, counts, earlier, strict=True):
        into = now % window
        if count + (before or 0) * (window - into) / window > limit:
            waits.append(window - into)
    return max(waits) if waits else None


class TokenRateThrottle(BaseThrottle):
    """DRF's throttle for both budgets of the verified token (429 with Retry-After when over either)."""

    def allow_request(self, request, view) -> bool:
        token = request.auth
        if token is None:  # unauthenticated requests are refused before throttling matters
            return True
        self._wait = throttle_wait(token)
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait
