"""
Health endpoints for load balancers and orchestrators.

`/healthz` (liveness): the process serves and its database answers. A cache outage does not
fail it: the API keeps serving without the cache. `/readyz` (readiness): the database *and* the
configured cache answer; when the cache does not, the body says what that means for callers.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from actions_api.dependencies import CACHE_DOWN_MEANS, cache_answers, database_answers


def _state(answers: bool) -> str:
    return "ok" if answers else "unreachable"


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the process and its database answer; 503 otherwise."""
    if not database_answers():
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the cache answer; 503 naming the dependency that does not."""
    database, cache = database_answers(), cache_answers()
    body = {
        "status": "ok" if database and cache else "unavailable",
        "database": _state(database),
        "cache": _state(cache),
    }
    if not cache:
        body["detail"] = CACHE_DOWN_MEANS
    return JsonResponse(body, status=200 if database and cache else 503)
