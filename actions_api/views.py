from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularRedocView
from oauth2_provider.settings import oauth2_settings
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from actions_api.catalog import CUSTOMERS, DOCUMENTS, ORDERS, Collection
from actions_api.permissions import HasApiScope
from actions_api.schema import error_responses
from actions_api.serializers import MeSerializer

ME_EXAMPLE = {
    "sub": "3",
    "preferred_username": "alice",
    "name": "Alice Andersen",
    "email": "alice@rolegate.example",
    "client_id": "demo-gpt",
    "scope": " ".join(oauth2_settings.DEFAULT_SCOPES),
    "roles": ["sales-emea"],
    "permissions": ["customers.read", "orders.read"],
    "data_scopes": {"region": ["EMEA"]},
    "expires_at": 1767605400,
}


class MeView(APIView):
    """Who the token says you are, and the roles, permissions and data scopes it carries."""

    permission_classes = [IsAuthenticated, HasApiScope]

    @extend_schema(
        operation_id="getMe",
        summary="Who am I and what may I see",
        description=(
            "Call this first. Returns the signed-in user and the roles, permissions and data scopes "
            "(e.g. region EMEA) the API read from the access token. Use it to explain why a list is "
            "empty or a call is refused."
        ),
        tags=["identity"],
        responses={200: OpenApiResponse(MeSerializer, description="The caller and their claims."), **error_responses()},
        examples=[OpenApiExample("alice", value=ME_EXAMPLE, response_only=True)],
    )
    def get(self, request):
        return Response(MeSerializer(dict(request.auth.payload)).data)


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """Lists and reads the rows of `collection` that the token's data scopes allow; any other row is a 404."""

    collection: Collection

    @property
    def required_permission(self) -> str:
        return self.collection.required_permission

    def get_serializer_class(self):
        return self.collection.serializer_class

    def get_queryset(self):
        return self.collection.visible_rows(self.request.auth.claims)


def documented(*, extra: str = "", example: dict | None = None):
    """
    The listX/getX operations ChatGPT sees for a scoped read-only viewset, described from
    its collection (model, serializer, required permission); `extra` and an `example` row
    help the model read the response.
    """

    def decorate(viewset):
        collection = viewset.collection
        noun = collection.model._meta.verbose_name
        plural = str(collection.model._meta.verbose_name_plural)
        scoped_by = " and ".join(collection.model.scope_attributes)
        scope_note = (
            f"Only {plural} whose {scoped_by} your roles allow are visible; "
            f"{collection.required_permission} is required."
        )
        serializer = collection.serializer_class
        examples = [OpenApiExample(noun, value=example, response_only=True)] if example else []
        return extend_schema_view(
            list=extend_schema(
                operation_id=f"list{plural.title()}",
                summary=f"List {plural}",
                description=f"Lists {plural}, 20 per page (page_size up to 100). {scope_note} {extra}".strip(),
                tags=[plural],
                responses={200: OpenApiResponse(serializer, description=f"A page of {plural}."), **error_responses()},
                examples=examples,
            ),
            retrieve=extend_schema(
                operation_id=f"get{noun.title()}",
                summary=f"Get one {noun}",
                description=f"Returns one {noun} by its id. {scope_note} Other ids answer 404.",
                tags=[plural],
                parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description=f"The {noun}'s id.")],
                responses={
                    200: OpenApiResponse(serializer, description=f"The {noun}."),
                    **error_responses(not_found=True),
                },
                examples=examples,
            ),
        )(viewset)

    return decorate


@documented()
class CustomerViewSet(ScopedReadOnlyViewSet):
    collection = CUSTOMERS


@documented(
    extra="Newest first; amounts are in the order's currency.",
    example={
        "id": 42,
        "reference": "EMEA-0103",
        "region": "EMEA",
        "customer": 7,
        "customer_name": "Aurora Logistics",
        "amount": "1250.75",
        "currency": "EUR",
        "status": "shipped",
        "placed_at": "2026-02-03T14:00:00Z",
    },
)
class OrderViewSet(ScopedReadOnlyViewSet):
    collection = ORDERS


@documented()
class DocumentViewSet(ScopedReadOnlyViewSet):
    collection = DOCUMENTS


class ApiDocsView(SpectacularRedocView):
    """
    Redoc rendering of the schema, from the portal's own static files. The policy keeps the
    page from fetching anything elsewhere (Redoc's bundle would load its logo from a CDN).
    """

    template_name = "api/redoc.html"
    schema = None  # a page for people, not an operation of the API
    content_security_policy = (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; frame-ancestors 'none'"
    )

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = self.content_security_policy
        return response
