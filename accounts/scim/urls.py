from django.urls import path, re_path

from accounts.scim.views import scim_endpoint

urlpatterns = [
    path("scim/v2", scim_endpoint, name="scim"),
    re_path(r"^scim/v2/(?P<path>.*)$", scim_endpoint, name="scim-path"),
]
