from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and connections"

    def ready(self) -> None:
        from accounts.devices import services as devices
        from accounts.mfa import middleware as mfa_gate

        devices.connect()
        mfa_gate.connect()
