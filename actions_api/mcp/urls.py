from django.urls import path

from actions_api.mcp.metadata import ProtectedResourceMetadataView

WELL_KNOWN = ".well-known/oauth-protected-resource"

urlpatterns = [
    # The host as a whole; clients that follow WWW-Authenticate go straight to the per-path form.
    path(WELL_KNOWN, ProtectedResourceMetadataView.as_view(), name="protected-resource-metadata"),
    path(
        f"{WELL_KNOWN}/mcp",
        ProtectedResourceMetadataView.as_view(resource_setting="MCP_RESOURCE"),
        name="mcp-resource-metadata",
    ),
]
