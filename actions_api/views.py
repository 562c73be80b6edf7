from django.db import DatabaseError, connection
from django.http import JsonResponse
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from actions_api.catalog import CUSTOMERS, DOCUMENTS, ORDERS, Collection
from actions_api.permissions import HasApiScope
from actions_api.serializers import MeSerializer


class MeView(APIView):
    """Who the token says you are, and the roles, permissions and data scopes it carries."""

    permission_classes = [IsAuthenticated, HasApiScope]

    def get(self, request):
        return Response(MeSerializer(dict(request.auth.claims)).data)


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """Lists and reads the rows of `collection` that the token's data scopes allow; any other row is a 404."""

    collection: Collection

    @property
    def required_permission(self) -> str:
        return self.collection.required_permission

    def get_serializer_class(self):
        return self.collection.serializer_class

    def get_queryset(self):
        return self.collection.visible_rows(self.request.auth.access)


class CustomerViewSet(ScopedReadOnlyViewSet):
    collection = CUSTOMERS


class OrderViewSet(ScopedReadOnlyViewSet):
    collection = ORDERS


class DocumentViewSet(ScopedReadOnlyViewSet):
    collection = DOCUMENTS


def healthz(request):
    """200 while the process and its database answer; 503 otherwise (for load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
