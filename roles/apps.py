from django.apps import AppConfig


class RolesConfig(AppConfig):
    name = "roles"
    verbose_name = "Roles and access"

    def ready(self) -> None:
        from roles import checks, signals  # noqa: F401  (registers the checks, connects the receivers)
        from roles.audit import tracking

        tracking.connect()
