"""Identity providers in the admin: what to register at the IdP, domains, group mappings; secrets write-only."""

from __future__ import annotations

from allauth.socialaccount.models import SocialApp, SocialToken
from django import forms
from django.contrib import admin

from accounts.federation.models import EmailDomain, GroupMapping, IdentityProvider
from accounts.federation.selectors import registration_values

# IdPs are configured only here (accounts.federation.adapter serves them to allauth); allauth's own
# app admin would show client secrets in clear.
for model in (SocialApp, SocialToken):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


class IdentityProviderForm(forms.ModelForm):
    issuer = forms.URLField(
        label="Issuer URL",
        assume_scheme="https",
        required=False,
        help_text="The IdP's issuer; its discovery document is read from ISSUER/.well-known/…",
    )
    client_secret = forms.CharField(
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored for talking to the IdP and never shown again. Leave empty to keep the current one.",
    )

    class Meta:
        model = IdentityProvider
        fields = "__all__"  # noqa: DJ007  (the admin's fieldsets choose and order the fields)

    def clean_client_secret(self) -> str:
        return self.cleaned_data.get("client_secret") or self.instance.client_secret


class EmailDomainInline(admin.TabularInline):
    model = EmailDomain
    extra = 1
    verbose_name = "email domain"
    verbose_name_plural = "email domains (a user typing an email of these domains is sent to this IdP)"


class GroupMappingInline(admin.TabularInline):
    model = GroupMapping
    extra = 1
    autocomplete_fields = ["team"]
    verbose_name = "group → team mapping"
    verbose_name_plural = "group → team mappings (synchronised at every sign-in; unmapped groups grant nothing)"


@admin.register(IdentityProvider)
class IdentityProviderAdmin(admin.ModelAdmin):
    form = IdentityProviderForm
    change_form_template = "admin/accounts/identityprovider/change_form.html"
    inlines = [EmailDomainInline, GroupMappingInline]
    list_display = ["name", "slug", "issuer", "domain_list", "forbid_local_passwords", "is_active"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug", "domains__domain"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "protocol", "is_active", "groups_claim"]}),
        ("OpenID Connect", {"fields": ["issuer", "client_id", "client_secret", "scopes"]}),
        ("SAML 2.0", {"fields": ["saml_metadata_url", "saml_metadata_xml"]}),
        ("Sign-in rules", {"fields": ["forbid_local_passwords", "allow_email_linking", "sign_in_max_age"]}),
    ]

    @admin.display(description="email domains")
    def domain_list(self, identity_provider: IdentityProvider) -> str:
        return ", ".join(domain.domain for domain in identity_provider.domains.all())

    def change_view(self, request, object_id, form_url="", extra_context=None):
        identity_provider = self.get_object(request, object_id)
        if identity_provider is not None:
            extra_context = {**(extra_context or {}), "registration_values": registration_values(identity_provider)}
        return super().change_view(request, object_id, form_url, extra_context)
