from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from oauth2_provider.admin import ApplicationAdmin as DotApplicationAdmin
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)

from accounts import services
from accounts.connections import callback_policy, gpt_editor_values
from accounts.hashers import CLIENT_SECRET_TOO_SHORT, client_secret_too_short
from accounts.models import ClientRegistrationPolicy, GptConnection, SigningKey, User
from accounts.redirects import ChatGPTCallbacks
from roles.admin import ReadOnlyAdmin, UserAccessAdminMixin

admin.site.site_header = admin.site.site_title = "Rolegate administration"
admin.site.index_title = "Users, roles and connections"

#: Session key under which a just-generated client secret waits for its one showing.
NEW_SECRET_SESSION_KEY = "rolegate_new_client_secret"
TRUSTED_LABEL = "Trusted (skip the consent page)"
#: Rows a user's deletion takes along once their access is revoked (see UserAdmin.get_deleted_objects).
OAUTH_TOKEN_NAMES = {
    str(model()._meta.verbose_name)
    for model in (get_access_token_model, get_refresh_token_model, get_grant_model, get_id_token_model)
}
TRUSTED_HELP = "Users are not asked to allow this connection; use it only for connections your company built."


@admin.register(User)
class UserAdmin(UserAccessAdminMixin, DjangoUserAdmin):
    """Django's user admin plus roles, teams, bulk role actions, revocation and an access preview."""

    list_display = ["username", "email", "first_name", "last_name", "is_active", "is_staff"]

    def get_deleted_objects(self, objs, request):
        """
        DOT's token admins forbid deleting token rows (revocation is their way), which would
        forbid deleting any user who ever signed in: a user's tokens are revoked, then go with them.
        """
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, model_count, perms_needed - OAUTH_TOKEN_NAMES, protected

    def delete_model(self, request, obj) -> None:
        services.user_delete(user=obj)

    def delete_queryset(self, request, queryset) -> None:
        for user in queryset:
            services.user_delete(user=user)


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnlyAdmin):
    """Keys are created and retired by commands, never deleted here; the private half is never shown."""

    list_display = ["kid", "created_at", "activates_at", "rotated_at", "retired_at"]
    fields = ["kid", "created_at", "activates_at", "rotated_at", "retired_at"]
    readonly_fields = fields


admin.site.unregister(get_application_model())


class NeverSignedInFilter(admin.SimpleListFilter):
    """Self-registered connections through which no one ever completed a sign-in (candidates to purge)."""

    title = "sign-in completed"
    parameter_name = "signed_in"

    def lookups(self, request, model_admin):
        return [("never", "Never (self-registered)")]

    def queryset(self, request, queryset):
        if self.value() == "never":
            return queryset.never_signed_in(created_before=timezone.now())
        return queryset


class ConnectionForm(forms.ModelForm):
    """The connection form, refusing a client secret typed in too short to survive a leaked hash."""

    def clean(self):
        """Only a secret changed here: a stored one (a hash, or an earlier plain value) is left to verify as it is."""
        cleaned = super().clean()
        if (
            "client_secret" in self.changed_data
            and cleaned.get("client_type") == self.instance.CLIENT_CONFIDENTIAL
            and client_secret_too_short(cleaned.get("client_secret") or "")
        ):
            self.add_error("client_secret", CLIENT_SECRET_TOO_SHORT)
        return cleaned


@admin.register(get_application_model())
class ConnectionAdmin(DotApplicationAdmin):
    """Every connection (GPTs, MCP clients, other apps): DOT's application fields and Rolegate's."""

    form = ConnectionForm
    view_on_site = False  # DOT's own application pages are not served

    fieldsets = [
        (None, {"fields": ["name", "client_id", "client_secret", "hash_client_secret", "user"]}),
        (
            "OAuth",
            {
                "fields": [
                    "client_type",
                    "authorization_grant_type",
                    "algorithm",
                    "require_pkce",
                    "default_scopes",
                    "skip_authorization",
                ]
            },
        ),
        (
            "Callback URLs",
            {
                "fields": [
                    "redirect_uris",
                    "chatgpt_callbacks",
                    "pinned_gpt_ids",
                    "post_logout_redirect_uris",
                    "allowed_origins",
                ]
            },
        ),
        ("Token introspection", {"fields": ["is_resource_server", "resource_server_audience"]}),
        ("Registration", {"fields": ["is_active", "registration_source", "cimd_expires_at", "last_sign_in_at"]}),
    ]
    readonly_fields = ["last_sign_in_at"]
    list_display = [
        "name",
        "client_id",
        "client_type",
        "authorization_grant_type",
        "chatgpt_callbacks",
        "skip_authorization",
        "registration_source",
        "last_sign_in_at",
        "is_active",
    ]
    list_filter = ["is_active", "registration_source", NeverSignedInFilter, "client_type", "is_resource_server"]
    search_fields = ["name", "client_id"]
    actions = ["disable", "purge_unused"]

    @admin.action(description="Disable selected connections (they get invalid_client)")
    def disable(self, request, queryset):
        count = services.connections_disable(connections=queryset)
        self.message_user(request, f"Disabled {count} connection(s).")

    @admin.action(
        description="Delete selected self-registered connections that never completed a sign-in", permissions=["delete"]
    )
    def purge_unused(self, request, queryset):
        count = services.connections_purge_unused(connections=queryset)
        self.message_user(request, f"Deleted {count} unused self-registered connection(s); others were kept.")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "skip_authorization":
            field.label, field.help_text = TRUSTED_LABEL, TRUSTED_HELP
        return field


class GptConnectionForm(forms.ModelForm):
    class Meta:
        model = GptConnection
        fields = [
            "name",
            "chatgpt_callbacks",
            "pinned_gpt_ids",
            "redirect_uris",
            "skip_authorization",
            "default_scopes",
        ]
        labels = {"redirect_uris": "Exact callback URLs", "skip_authorization": TRUSTED_LABEL}
        help_texts = {
            "name": "Users see it on the consent page and under Connections.",
            "redirect_uris": "The callback URL ChatGPT shows under the GPT's OAuth settings, one a line. "
            "Not needed with 'Any GPT'.",
            "skip_authorization": TRUSTED_HELP,
        }
        widgets = {"redirect_uris": forms.Textarea(attrs={"rows": 2}), "pinned_gpt_ids": forms.TextInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Validate a new connection as it will be saved: confidential, authorization code.
        if self.instance.pk is None:
            services.gpt_connection_shape(connection=self.instance)


@admin.register(GptConnection)
class GptConnectionAdmin(admin.ModelAdmin):
    """A business admin's view of a connection: what to paste into the GPT editor, and how."""

    form = GptConnectionForm
    view_on_site = False
    change_form_template = "admin/accounts/gptconnection/change_form.html"
    list_display = ["name", "client_id", "callbacks_accepted", "skip_authorization", "created"]
    list_display_links = ["name", "client_id"]
    search_fields = ["name", "client_id"]
    fieldsets = [
        (None, {"fields": ["name"]}),
        ("Callback URLs ChatGPT may use", {"fields": ["chatgpt_callbacks", "pinned_gpt_ids", "redirect_uris"]}),
        ("Sign-in", {"fields": ["skip_authorization", "default_scopes"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(
                client_type=GptConnection.CLIENT_CONFIDENTIAL,
                authorization_grant_type=GptConnection.GRANT_AUTHORIZATION_CODE,
            )
        )

    def get_changeform_initial_data(self, request):
        return {"chatgpt_callbacks": ChatGPTCallbacks.ANY_GPT, **super().get_changeform_initial_data(request)}

    @admin.display(description="callback URLs accepted")
    def callbacks_accepted(self, connection: GptConnection) -> str:
        return callback_policy(connection)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        issued = services.gpt_connection_register(connection=obj)
        self._hold_secret_for_one_showing(request, issued)

    def response_add(self, request, obj, post_url_continue=None):
        """Always on to the connection page: the values to paste, and the secret's only showing."""
        messages.success(request, f"GPT connection “{obj.name}” created. Paste the values below into the GPT editor.")
        return redirect(reverse("admin:accounts_gptconnection_change", args=[obj.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        connection = self.get_object(request, object_id)
        if connection is not None:
            secret = self._take_secret(request, connection)
            extra_context = {
                **(extra_context or {}),
                "editor_values": gpt_editor_values(connection, client_secret=secret),
                "client_secret_shown": bool(secret),
                "callbacks_accepted": callback_policy(connection),
                "callback_mode": connection.chatgpt_callbacks,
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/new-secret/",
                self.admin_site.admin_view(require_POST(self.new_secret_view)),
                name="accounts_gptconnection_new_secret",
            ),
            *super().get_urls(),
        ]

    def new_secret_view(self, request, object_id):
        """Replaces the client secret and shows the new one once on the connection page."""
        connection = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_change_permission(request, connection):
            raise PermissionDenied
        issued = services.gpt_connection_rotate_secret(connection=connection)
        self.log_change(request, connection, "Generated a new client secret.")
        self._hold_secret_for_one_showing(request, issued)
        messages.warning(
            request,
            "A new client secret was generated; the old one no longer works. "
            "Paste the new one into the GPT editor now.",
        )
        return redirect(reverse("admin:accounts_gptconnection_change", args=[connection.pk]))

    @staticmethod
    def _hold_secret_for_one_showing(request, issued: services.IssuedCredentials) -> None:
        request.session[NEW_SECRET_SESSION_KEY] = {"pk": issued.connection.pk, "secret": issued.client_secret}

    @staticmethod
    def _take_secret(request, connection) -> str | None:
        held = request.session.get(NEW_SECRET_SESSION_KEY)
        if held and held["pk"] == connection.pk and request.method == "GET":
            del request.session[NEW_SECRET_SESSION_KEY]
            return held["secret"]
        return None


@admin.register(ClientRegistrationPolicy)
class ClientRegistrationPolicyAdmin(admin.ModelAdmin):
    """One row: add it once (or it is created on first use), never delete it."""

    list_display = ["__str__", "metadata_hosts"]

    def has_add_permission(self, request) -> bool:
        return not ClientRegistrationPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# Identity providers (federated sign-in) have their own admin module.
import accounts.federation.admin  # noqa: E402,F401
import accounts.invitations.admin  # noqa: E402,F401  (invitations)
import accounts.mfa.admin  # noqa: E402,F401  (the two-step sign-in policy)
from accounts.scim import admin as scim_admin  # noqa: E402,F401  (registers the SCIM clients' pages)
