from rest_framework.permissions import BasePermission

from actions_api.bearer import API_SCOPE, SCOPE_MISSING


def permission_missing(permission: str) -> str:
    """What a caller whose roles lack `permission` is told, by the REST API and the MCP tools alike."""
    return (
        f"Your roles do not grant the permission '{permission}'. Ask your administrator for a role "
        "that includes it; it reaches your next token."
    )


class HasApiScope(BasePermission):
    """Allows access only to tokens granted the `api` scope."""

    message = SCOPE_MISSING
    code = "insufficient_scope"

    def has_permission(self, request, view) -> bool:
        return API_SCOPE in request.auth.scopes


class HasRequiredPermission(BasePermission):
    """Allows access only when the token carries the view's `required_permission` (deny if undeclared)."""

    code = "insufficient_permission"

    def has_permission(self, request, view) -> bool:
        required = getattr(view, "required_permission", None)
        self.message = permission_missing(required)
        return required is not None and request.auth.claims.has_permission(required)
