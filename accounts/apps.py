from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and connections"

    def ready(self) -> None:
        from accounts.devices import services as devices

        devices.connect()
