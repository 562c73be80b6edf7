from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ActionsApiConfig(AppConfig):
    name = "actions_api"
    verbose_name = "Business data (Actions API)"

    def ready(self) -> None:
        # Registers the OpenAPI extension that describes our token authentication.
        from actions_api import schema  # noqa: F401
        from actions_api.permission_registry import register_api_permissions

        # Every permission the API checks exists after migrate, ready to be given to roles.
        post_migrate.connect(register_api_permissions, sender=self, dispatch_uid="actions_api_register_permissions")
