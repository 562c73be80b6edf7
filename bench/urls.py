"""The production URLs plus the same orders list behind the two other authentication modes."""

from django.urls import path

from bench.views import FloorOrderViewSet, OpaqueTokenOrderViewSet
from portal.urls import urlpatterns as portal_urlpatterns

urlpatterns = [
    path("bench/floor/orders", FloorOrderViewSet.as_view({"get": "list"}), name="bench-floor-orders"),
    path("bench/opaque/orders", OpaqueTokenOrderViewSet.as_view({"get": "list"}), name="bench-opaque-orders"),
    *portal_urlpatterns,
]
