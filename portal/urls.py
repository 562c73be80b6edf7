from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from accounts.urls import oauth_urlpatterns
from actions_api.health import healthz, readyz
from actions_api.metrics import metrics
from actions_api.views import ApiDocsView

urlpatterns = [
    # First: the API is called far more than every page together, and Django tries patterns in
    # order (the ~250 of the sign-in, admin and SCIM pages cost each API call ~0.1 ms). No other
    # pattern starts with api/v1/.
    path("api/v1/", include("actions_api.urls")),
    path("", include("accounts.urls")),
    path("", include("accounts.federation.urls")),
    path("", include("accounts.devices.urls")),
    path("", include("accounts.mfa.urls")),
    path("", include("accounts.passwords.urls")),
    path("", include("accounts.invitations.urls")),
    path("", include("actions_api.mcp.urls")),
    path("", include("accounts.scim.urls")),
    path("o/", include(oauth_urlpatterns)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", include("actions_api.staff.urls")),  # staff pages beside the admin: dashboard, "see what they see"
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
]

# Under /api/ even Django's own errors are problem+json (see actions_api.exceptions).
handler400 = "actions_api.exceptions.bad_request"
handler403 = "actions_api.exceptions.permission_denied"
handler404 = "actions_api.exceptions.page_not_found"
handler500 = "actions_api.unavailable.server_error"
