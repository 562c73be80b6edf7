"""
Prometheus metrics for operators, at ``/metrics``.

django-prometheus counts requests by view, method and status (its middleware, trimmed here to
the series operators read: :class:`ViewMetricsMiddleware`) and exports prometheus_client's
registry; this module adds the database pool's use and guards the URL:
only addresses in ``METRICS_ALLOWED_IPS`` (default loopback), reached directly (a request that
came through a proxy carries ``X-Forwarded-For`` and is not trusted by address), or a caller
presenting ``Authorization: Bearer <METRICS_TOKEN>``. Anyone else gets a 404, as if it did not exist.
"""

from __future__ import annotations

import hmac
import ipaddress

from django.db import connections
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django_prometheus.exports import ExportToDjangoView
from django_prometheus.middleware import PrometheusAfterMiddleware
from django_prometheus.utils import Time, TimeSince
from prometheus_client import Gauge

from roles.conf import rolegate_settings

DB_POOL_CONNECTIONS = Gauge(
    "rolegate_db_pool_connections",
    "Connections of this process's PostgreSQL pool, by state (in_use, idle) and requests waiting for one.",
    ["state"],
    multiprocess_mode="livesum",
)


#: The gauge's three series, looked up once (``labels()`` takes a lock and builds a key on each call).
_IN_USE, _IDLE, _WAITING = (DB_POOL_CONNECTIONS.labels(state=state) for state in ("in_use", "idle", "waiting"))


def db_pool_record(**kwargs) -> None:
    """Updates the pool gauge; connected to ``request_finished``, after Django returned the connection."""
    database = connections["default"]
    pool = database.pool if database.vendor == "postgresql" else None
    if pool is None:
        return
    stats = pool.get_stats()
    size, idle = stats.get("pool_size", 0), stats.get("pool_available", 0)
    _IN_USE.set(size - idle)
    _IDLE.set(idle)
    _WAITING.set(stats.get("requests_waiting", 0))


class ViewMetricsMiddleware(PrometheusAfterMiddleware):
    """
    django-prometheus's per-view series that operators watch: responses by status, view and
    method (``django_http_responses_total_by_status_view_method_total``), latency by view and
    method, and exceptions by type and view. Its other per-request series (requests by method,
    transport and view, responses by status alone, charset and template, body-size histograms)
    cost every API call seven more metric updates, ~2% of its CPU, and are not recorded.
    """

    def process_request(self, request):
        request.prometheus_after_middleware_event = Time()

    def process_view(self, request, view_func, *view_args, **view_kwargs):
        return None

    def process_template_response(self, request, response):
        return response

    def process_response(self, request, response):
        view, method = self._get_view_name(request), self._method(request)
        self.metrics.responses_by_status_view_method.labels(
            status=str(response.status_code), view=view, method=method
        ).inc()
        started = getattr(request, "prometheus_after_middleware_event", None)
        if started is None:
            self.metrics.requests_unknown_latency.inc()
        else:
            self.metrics.requests_latency_by_view_method.labels(view=view, method=method).observe(TimeSince(started))
        return response


def operator_may_scrape(request: HttpRequest) -> bool:
    """A direct request from an allowed address, or one bearing the metrics token."""
    token = rolegate_settings.METRICS_TOKEN
    authorization = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode()):
        return True
    if "X-Forwarded-For" in request.headers:
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(allowed, strict=False) for allowed in rolegate_settings.METRICS_ALLOWED_IPS
    )


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """The Prometheus text exposition, for operators only."""
    if not operator_may_scrape(request):
        raise Http404
    db_pool_record()
    return ExportToDjangoView(request)
