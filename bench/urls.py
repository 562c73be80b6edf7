"""The production URLs plus the same orders list behind the two other authentication modes."""

from django.urls import path

from bench.views import FloorOrderViewSet, OpaqueTokenOrderViewSet
from portal.urls import urlpatterns as portal_urlpatterns

# Under /api/v1/ like the real list, so every mode passes the same middleware (the Action-call log too).
urlpatterns = [
    path("api/v1/bench/floor/orders", FloorOrderViewSet.as_view({"get": "list"}), name="bench-floor-orders"),
    path("api/v1/bench/opaque/orders", OpaqueTokenOrderViewSet.as_view({"get": "list"}), name="bench-opaque-orders"),
    *portal_urlpatterns,
]
