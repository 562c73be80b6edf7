from django.apps import AppConfig


class ActionsApiConfig(AppConfig):
    name = "actions_api"
    verbose_name = "Business data (Actions API)"

    def ready(self) -> None:
        # Registers the OpenAPI extension that describes our token authentication.
        from actions_api import schema  # noqa: F401
