from django.db import DatabaseError, connection
from django.http import JsonResponse
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from actions_api.models import Customer, Document, Order
from actions_api.permissions import HasApiScope
from actions_api.serializers import CustomerSerializer, DocumentSerializer, MeSerializer, OrderSerializer


class MeView(APIView):
    """Who the token says you are, and the roles, permissions and data scopes it carries."""

    permission_classes = [IsAuthenticated, HasApiScope]

    def get(self, request):
        return Response(MeSerializer(dict(request.auth.claims)).data)


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """Lists and reads the rows of `model` that the token's data scopes allow; any other row is a 404."""

    model = None

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.auth.access)


class CustomerViewSet(ScopedReadOnlyViewSet):
    model, serializer_class, required_permission = Customer, CustomerSerializer, "customers.read"


class OrderViewSet(ScopedReadOnlyViewSet):
    model, serializer_class, required_permission = Order, OrderSerializer, "orders.read"

    def get_queryset(self):
        return super().get_queryset().select_related("customer")


class DocumentViewSet(ScopedReadOnlyViewSet):
    model, serializer_class, required_permission = Document, DocumentSerializer, "documents.read"


def healthz(request):
    """200 while the process and its database answer; 503 otherwise (for load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
