from django.apps import AppConfig


class ActionsApiConfig(AppConfig):
    name = "actions_api"
    verbose_name = "Business data (Actions API)"

    def ready(self) -> None:
        from django.core.signals import request_finished

        # Registers the OpenAPI extension that describes our token authentication, and the cache checks.
        from actions_api import checks, schema  # noqa: F401
        from actions_api.metrics import db_pool_record

        request_finished.connect(db_pool_record, dispatch_uid="rolegate-db-pool-metrics")
