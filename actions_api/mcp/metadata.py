from django.utils.decorators import method_decorator
from django.views.decorators.cache import cache_control
from oauth2_provider.views import OAuthProtectedResourceMetadataView

from roles.conf import absolute_url, rolegate_settings


@method_decorator(cache_control(public=True, max_age=300), name="dispatch")
class ProtectedResourceMetadataView(OAuthProtectedResourceMetadataView):
    """
    RFC 9728 metadata of one of the portal's resources (DOT's view, anchored to settings).

    ``resource_setting`` names the setting that holds the resource identifier, so the
    document never reflects a Host header; the authorization server is the issuer.
    """

    resource_setting = "PORTAL_BASE_URL"

    def get_resource(self, request) -> str:
        return getattr(rolegate_settings, self.resource_setting)

    def get_resource_documentation(self) -> str:
        return absolute_url("api-docs")
