from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ActionsApiConfig(AppConfig):
    name = "actions_api"
    verbose_name = "Business data (Actions API)"

    def ready(self) -> None:
        from django.core.signals import request_finished

        # Registers the OpenAPI extension that describes our token authentication, and the cache checks.
        from actions_api import checks, schema  # noqa: F401
        from actions_api.metrics import db_pool_record
        from actions_api.permission_registry import register_api_permissions

        request_finished.connect(db_pool_record, dispatch_uid="rolegate-db-pool-metrics")
        # Every permission the API checks exists after migrate, ready to be given to roles.
        post_migrate.connect(register_api_permissions, sender=self, dispatch_uid="actions_api_register_permissions")
