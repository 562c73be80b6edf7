"""The production orders list, unchanged but for how the caller is authenticated; bench-only."""

from rest_framework.permissions import AllowAny, IsAuthenticated

from actions_api.permissions import HasApiScope, HasRequiredPermission
from actions_api.views import OrderViewSet
from bench.authentication import FixedClaimsAuthentication, OpaqueTokenAuthentication


class FloorOrderViewSet(OrderViewSet):
    """(a) no authentication: the cost of the list itself."""

    authentication_classes = [FixedClaimsAuthentication]
    permission_classes = [AllowAny]


class TrueFloorOrderViewSet(OrderViewSet):
    """(f) the true floor: the same list, serializer and claim filter, and nothing else (no throttles)."""

    authentication_classes = [FixedClaimsAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = []


class OpaqueTokenOrderViewSet(OrderViewSet):
    """(c) django-oauth-toolkit's opaque token, then the same permission checks and filter."""

    authentication_classes = [OpaqueTokenAuthentication]
    permission_classes = [IsAuthenticated, HasApiScope, HasRequiredPermission]
