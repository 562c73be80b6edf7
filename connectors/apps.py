from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "connectors"
    verbose_name = "MCP clients (ChatGPT apps, Claude connectors)"
