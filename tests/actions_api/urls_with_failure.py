"""The portal's URLs plus endpoints that fail unexpectedly, to prove no traceback ever leaks."""

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from portal.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401

SECRET = "password=hunter2 at /srv/rolegate/internal.py"


def plain_view_failure(request):
    raise RuntimeError(SECRET)


class ApiViewFailure(APIView):
    authentication_classes, permission_classes = [], [AllowAny]

    def get(self, request):
        raise ZeroDivisionError(SECRET)


urlpatterns = [
    path("api/v1/plain-failure", plain_view_failure),
    path("api/v1/api-failure", ApiViewFailure.as_view()),
    path("accounts/failure", plain_view_failure),
    path("o/failure", plain_view_failure),
    path("scim/v2/failure", plain_view_failure),
    *urlpatterns,
]
