"""What an admin decides about clients that register themselves."""

from __future__ import annotations

from django.db import models
from django.http.request import validate_host

#: Hosts whose Client ID Metadata Documents are fetched by default: Claude's and ChatGPT's.
DEFAULT_METADATA_HOSTS = ".claude.ai .claude.com .chatgpt.com .openai.com"


class ClientRegistrationPolicy(models.Model):
    """
    The one row that says whether MCP clients may register, and from where.

    A setting (``CLIENT_REGISTRATION_ENABLED``) turns registration on for a deployment; this
    row lets an admin close it at run time without a restart, and narrow where client
    metadata may come from and which extra callbacks a registered client may use.
    """

    registration_open = models.BooleanField(
        default=True,
        help_text=(
            "MCP clients (ChatGPT apps, Claude connectors) may register themselves. Existing "
            "clients keep working while registration is closed; disable them one by one under "
            "OAuth connections."
        ),
    )
    metadata_hosts = models.TextField(
        "client metadata hosts",
        blank=True,
        default=DEFAULT_METADATA_HOSTS,
        help_text=(
            "Hosts whose Client ID Metadata Documents may be fetched, separated by spaces "
            "('.example.com' also allows its subdomains). Empty: no client may register by URL."
        ),
    )
    extra_redirect_uris = models.TextField(
        "extra redirect URIs",
        blank=True,
        default="",
        help_text=(
            "Exact https callback URLs, separated by spaces, that a registered client may use besides "
            "the known ChatGPT and Claude callbacks."
        ),
    )

    class Meta:
        verbose_name = verbose_name_plural = "client registration policy"

    def __str__(self) -> str:
        return "Client registration: " + ("open" if self.registration_open else "closed")

    def save(self, *args, **kwargs) -> None:
        self.pk = 1  # a single row
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> ClientRegistrationPolicy:
        return cls.objects.get_or_create(pk=1)[0]

    def allows_metadata_host(self, host: str | None) -> bool:
        return bool(host) and validate_host(host, self.metadata_hosts.split())

    def allows_extra_redirect_uri(self, uri: str) -> bool:
        return uri in self.extra_redirect_uris.split()
