from django.http import HttpRequest, HttpResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt

SCIM_PREFIX = "/scim/v2"


@csrf_exempt
def scim_endpoint(request: HttpRequest, path: str = "") -> HttpResponse:
    """
    The SCIM endpoint, imported on the first SCIM request: scim2-server and its pydantic models
    cost about 2 s of CPU to import, which every server process paid on its first request of
    any kind when the URLconf imported them.
    """
    from accounts.scim.views import scim_endpoint as serve

    return serve(request, path)


def scim_error(*, status: int, detail: str) -> HttpResponse:
    """`accounts.scim.views.scim_error`, imported only when a SCIM request is refused before the endpoint ran."""
    from accounts.scim.views import scim_error as answer

    return answer(status=status, detail=detail)


urlpatterns = [
    path("scim/v2", scim_endpoint, name="scim"),
    re_path(r"^scim/v2/(?P<path>.*)$", scim_endpoint, name="scim-path"),
]
