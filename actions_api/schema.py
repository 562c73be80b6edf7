"""
The OpenAPI document that the GPT editor imports as is (DESIGN §2, `/api/schema/`).

drf-spectacular generates it from the views; this module adds what ChatGPT needs and the
views cannot say: the OAuth2 authorization-code scheme with the portal's real URLs, and
`x-openai-isConsequential: false` on read-only operations so ChatGPT may call them without
asking the user every time.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from oauth2_provider.settings import oauth2_settings
from rest_framework import serializers

from roles.conf import absolute_url, rolegate_settings

SECURITY_SCHEME = "oauth2"
READ_ONLY_METHODS = {"get", "head", "options"}


class ProblemSerializer(serializers.Serializer):
    """An RFC 9457 problem document: what went wrong (`detail`) and the OAuth error code (`error`)."""

    type = serializers.CharField(help_text="Always 'about:blank'.")
    title = serializers.CharField(help_text="The HTTP status phrase.")
    status = serializers.IntegerField(help_text="The HTTP status code.")
    detail = serializers.CharField(help_text="What went wrong and how to fix it, in plain words.")
    error = serializers.CharField(
        help_text="Machine-readable cause: invalid_request, invalid_token, insufficient_scope, "
        "insufficient_permission or not_found."
    )


def _problem(description: str, example_detail: str, error: str, status: int) -> OpenApiResponse:
    return OpenApiResponse(
        ProblemSerializer,
        description=description,
        examples=[
            OpenApiExample(
                error,
                value={
                    "type": "about:blank",
                    "title": description,
                    "status": status,
                    "detail": example_detail,
                    "error": error,
                },
                response_only=True,
                status_codes=[str(status)],
            )
        ],
    )


PROBLEM_MEDIA_TYPE = "application/problem+json"
UNAUTHORIZED = _problem(
    "Unauthorized",
    "The access token has expired. Refresh it or sign in again.",
    "invalid_token",
    401,
)
FORBIDDEN = _problem(
    "Forbidden",
    "Your roles do not grant the permission 'orders.read'. Ask your administrator for a role that includes it; "
    "it reaches your next token.",
    "insufficient_permission",
    403,
)
NOT_FOUND = _problem("Not Found", "Not found, or not visible with your roles.", "not_found", 404)


def error_responses(*, not_found: bool = False) -> dict:
    """The problem+json responses every operation may return (401, 403, and 404 for a single row)."""
    responses = {(401, PROBLEM_MEDIA_TYPE): UNAUTHORIZED, (403, PROBLEM_MEDIA_TYPE): FORBIDDEN}
    if not_found:
        responses[(404, PROBLEM_MEDIA_TYPE)] = NOT_FOUND
    return responses


class AccessTokenScheme(OpenApiAuthenticationExtension):
    """Describes `AccessTokenAuthentication` as the OAuth2 authorization-code flow ChatGPT runs."""

    target_class = "actions_api.authentication.AccessTokenAuthentication"
    name = SECURITY_SCHEME

    def get_security_requirement(self, auto_schema):
        return {self.name: ["api"]}

    def get_security_definition(self, auto_schema):
        return {
            "type": "oauth2",
            "description": "Sign in through the portal; the access token carries your roles and data scopes.",
            "flows": {
                "authorizationCode": {
                    "authorizationUrl": absolute_url("oauth2_provider:authorize"),
                    "tokenUrl": absolute_url("oauth2_provider:token"),
                    "refreshUrl": absolute_url("oauth2_provider:token"),
                    "scopes": dict(oauth2_settings.SCOPES),
                }
            },
        }


def chatgpt_postprocessing(result: dict, generator, request, public) -> dict:
    """
    drf-spectacular postprocessing hook. The one server is the public base URL (read when the
    document is generated, like the issuer), and read-only operations are not consequential.
    """
    result["servers"] = [{"url": rolegate_settings.PORTAL_BASE_URL}]
    _nullable_as_3_1_type(result.get("components", {}))
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method in READ_ONLY_METHODS:
                operation["x-openai-isConsequential"] = False
    return result


def _nullable_as_3_1_type(node) -> None:
    """OpenAPI 3.1 has no `nullable`: DRF's page schema still says it, so write `type: [..., "null"]`."""
    if isinstance(node, dict):
        if node.pop("nullable", False) and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        for value in node.values():
            _nullable_as_3_1_type(value)
    elif isinstance(node, list):
        for value in node:
            _nullable_as_3_1_type(value)
