"""The production URLs plus the same orders list behind the two other authentication modes."""

from django.urls import path

from bench.views import FloorOrderViewSet, OpaqueTokenOrderViewSet, TrueFloorOrderViewSet
from portal.urls import urlpatterns as portal_urlpatterns

# Under /api/v1/ like the real list, so every mode passes the same middleware (the Action-call log too).
urlpatterns = [
    path("api/v1/bench/floor/orders", FloorOrderViewSet.as_view({"get": "list"}), name="bench-floor-orders"),
    path("api/v1/bench/opaque/orders", OpaqueTokenOrderViewSet.as_view({"get": "list"}), name="bench-opaque-orders"),
    # Outside /api/v1/ (no Action-call log); served under bench.floor_settings (no Rolegate middleware).
    path("bench/true-floor/orders", TrueFloorOrderViewSet.as_view({"get": "list"}), name="bench-true-floor-orders"),
    *portal_urlpatterns,
]
