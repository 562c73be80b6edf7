from django.apps import AppConfig


class ActionsApiConfig(AppConfig):
    name = "actions_api"
    verbose_name = "Business data (Actions API)"
