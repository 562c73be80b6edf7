"""Identity providers, the email domains they own and the groups that map to teams."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import DomainNameValidator
from django.db import models
from django.db.models.functions import Lower

from roles.models import Team

DEFAULT_SCOPES = "openid profile email"


class IdentityProviderQuerySet(models.QuerySet):
    def active(self) -> IdentityProviderQuerySet:
        return self.filter(is_active=True)

    def for_provider(self, provider: str | None) -> IdentityProviderQuerySet:
        """allauth names a provider by protocol ("openid_connect") or by one IdP's id (our slug)."""
        if not provider:
            return self
        return self.filter(models.Q(protocol=provider) | models.Q(slug=provider))

    def with_client_id(self, client_id: str) -> IdentityProviderQuerySet:
        """OIDC IdPs by their client ID; SAML IdPs by their slug (allauth's "organization slug")."""
        return self.filter(
            models.Q(protocol=IdentityProvider.Protocol.SAML, slug=client_id)
            | models.Q(protocol=IdentityProvider.Protocol.OPENID_CONNECT, client_id=client_id)
        )

    def owning_domain(self, domain: str) -> IdentityProvider | None:
        return self.active().filter(domains__domain=domain.strip().lower()).first()


class IdentityProvider(models.Model):
    """A company directory (Entra ID, Google Workspace, Okta, …) that may sign users in."""

    class Protocol(models.TextChoices):
        OPENID_CONNECT = "openid_connect", "OpenID Connect"
        SAML = "saml", "SAML 2.0"

    name = models.CharField(max_length=100, help_text="Shown on the sign-in button: “Sign in with NAME”.")
    slug = models.SlugField(
        max_length=50,
        unique=True,
        help_text="Part of the redirect URI registered at the IdP: changing it breaks sign-in until re-registered.",
    )
    protocol = models.CharField(max_length=20, choices=Protocol.choices, default=Protocol.OPENID_CONNECT)
    issuer = models.URLField(
        "issuer URL",
        blank=True,
        help_text="OpenID Connect: the IdP's issuer; its discovery document is read from ISSUER/.well-known/…",
    )
    client_id = models.CharField("client ID", max_length=255, blank=True)
    client_secret = models.CharField(max_length=512, blank=True, help_text="Never shown again after it is saved.")
    saml_metadata_url = models.URLField(
        "SAML metadata URL", blank=True, help_text="SAML: the IdP's federation metadata URL (read and cached)."
    )
    saml_metadata_xml = models.TextField(
        "SAML metadata XML", blank=True, help_text="SAML: or paste the IdP's metadata file here."
    )
    scopes = models.CharField(max_length=255, default=DEFAULT_SCOPES)
    groups_claim = models.CharField(
        max_length=100,
        default="groups",
        help_text="The ID token/userinfo claim, or SAML attribute, listing the user's groups (OIDC usually: groups).",
    )
    forbid_local_passwords = models.BooleanField(
        default=False,
        help_text="Users whose email is in this IdP's domains cannot sign in with a Rolegate password.",
    )
    allow_email_linking = models.BooleanField(
        default=False,
        help_text="On a first sign-in, link an existing Rolegate account with the same email, if the IdP says "
        "the email is verified. Otherwise such a sign-in is refused.",
    )
    sign_in_max_age = models.DurationField(
        default=dt.timedelta(hours=12),
        help_text="A federated user's refresh tokens stop working this long after their last sign-in at the IdP, "
        "so group changes and offboarding take effect (format: “12:00:00” or “1 00:00:00”).",
    )
    is_active = models.BooleanField(default=True, help_text="Inactive: no button, no sign-in through it.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = IdentityProviderQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "identity provider"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.sign_in_max_age is not None and self.sign_in_max_age <= dt.timedelta(0):
            errors["sign_in_max_age"] = "Must be longer than zero."
        required = (
            ("issuer", "client_id", "client_secret")
            if self.protocol == self.Protocol.OPENID_CONNECT
            else ()
            if self.saml_metadata_url or self.saml_metadata_xml
            else ("saml_metadata_url",)
        )
        errors.update({name: "Required for this protocol." for name in required if not getattr(self, name)})
        if errors:
            raise ValidationError(errors)

    def teams_for(self, groups: list[str]) -> set[Team]:
        """The teams the given IdP group values map to (unmapped values grant nothing)."""
        return {mapping.team for mapping in self.group_mappings.select_related("team") if mapping.group in groups}


class EmailDomain(models.Model):
    """An email domain whose users this IdP signs in (home-realm discovery); one IdP per domain."""

    identity_provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(
        max_length=253, validators=[DomainNameValidator(accept_idna=False)], help_text="e.g. contoso.com (no @)"
    )

    class Meta:
        ordering = ["domain"]
        constraints = [models.UniqueConstraint(Lower("domain"), name="unique_federated_domain")]

    def __str__(self) -> str:
        return self.domain

    def save(self, *args, **kwargs) -> None:
        self.domain = self.domain.strip().lower().lstrip("@")
        super().save(*args, **kwargs)


class GroupMapping(models.Model):
    """Members of this IdP group are members of this team (synchronised at every sign-in)."""

    identity_provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="group_mappings")
    group = models.CharField(max_length=255, help_text="The value exactly as the IdP sends it (a name or an id).")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["group"]
        constraints = [
            models.UniqueConstraint(fields=["identity_provider", "group", "team"], name="unique_group_mapping")
        ]

    def __str__(self) -> str:
        return f"{self.group} → {self.team}"
