"""
What roles/ adds to the user admin (mixed into accounts' UserAdmin): role and team rows,
bulk role actions, "revoke access now" and a preview of the next token's claims.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AdminSplitDateTime, AutocompleteSelect
from django.contrib.auth.forms import UserChangeForm
from django.template.response import TemplateResponse
from oauth2_provider.models import get_application_model

from roles import services
from roles.admin.base import (
    AddRoleAssignmentsInline,
    ExistingRowsInline,
    GrantedByStampMixin,
    NewRowsInline,
    RoleAssignmentsInline,
    SlugInputFilter,
)
from roles.models import Role, RoleAssignment, TeamMembership, validate_period
from roles.selectors import access_explanation


class UserRolesInline(RoleAssignmentsInline):
    fk_name = "user"
    verbose_name_plural = "Roles assigned directly"


class AddUserRolesInline(AddRoleAssignmentsInline):
    fk_name = "user"
    verbose_name_plural = "Give a role"


class UserTeamsInline(ExistingRowsInline):
    model = TeamMembership
    fk_name = "user"
    fields = readonly_fields = ["team", "added_at"]
    verbose_name_plural = "Teams"


class AddUserTeamsInline(NewRowsInline):
    model = TeamMembership
    fk_name = "user"
    fields = ["team"]
    autocomplete_fields = ["team"]
    verbose_name_plural = "Join a team"


class UserRoleFilter(SlugInputFilter):
    title = "role (assigned directly)"
    parameter_name = "role_slug"
    lookup = "role_assignments__role__slug"


class UserTeamFilter(SlugInputFilter):
    title = "team"
    parameter_name = "team_slug"
    lookup = "team_memberships__team__slug"


def role_widget() -> AutocompleteSelect:
    return AutocompleteSelect(RoleAssignment._meta.get_field("role"), admin.site)


class AssignRoleForm(forms.Form):
    role = forms.ModelChoiceField(queryset=Role.objects.all(), widget=role_widget())
    starts_at = forms.SplitDateTimeField(required=False, widget=AdminSplitDateTime, help_text="Empty: now.")
    ends_at = forms.SplitDateTimeField(required=False, widget=AdminSplitDateTime, help_text="Empty: until removed.")

    def clean(self):
        data = super().clean()
        validate_period(data.get("starts_at"), data.get("ends_at"))
        return data


class RemoveRoleForm(forms.Form):
    role = forms.ModelChoiceField(queryset=Role.objects.all(), widget=role_widget())
    revoke_access = forms.BooleanField(
        required=False,
        label="Also end their current sessions now",
        help_text="Their tokens stop working within seconds; otherwise the role stays in tokens already issued "
        "until they expire.",
    )


class UserAccessChangeForm(UserChangeForm):
    end_sessions = forms.BooleanField(
        required=False,
        label="End this user's sessions now",
        help_text="Revokes their refresh tokens; their access tokens stop working within seconds. Tick it when "
        "removing a role should take effect now rather than when their current token expires.",
    )


class UserAccessAdminMixin(GrantedByStampMixin):
    """What roles/ adds to the user admin: roles, teams, bulk role actions, revocation, access preview."""

    form = UserAccessChangeForm

    access_inlines = [UserRolesInline, AddUserRolesInline, UserTeamsInline, AddUserTeamsInline]
    #: On the add page: a new user has no rows to list yet, but may get roles and teams in the same save.
    new_access_inlines = [AddUserRolesInline, AddUserTeamsInline]
    access_list_filters = [UserRoleFilter, UserTeamFilter]
    actions = ["assign_role", "remove_role", "revoke_access_now"]
    change_form_template = "admin/roles/user_change_form.html"
    show_full_result_count = False

    def get_inlines(self, request, obj):
        own = self.access_inlines if obj is not None else self.new_access_inlines
        return [*super().get_inlines(request, obj), *own]

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), *self.access_list_filters]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        return fieldsets if obj is None else [*fieldsets, ("Sessions", {"fields": ["end_sessions"]})]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and form.cleaned_data.get("end_sessions"):
            services.user_access_revoke(
                users=type(form.instance).objects.filter(pk=form.instance.pk),
                reason=f"sessions ended by {request.user.get_username()}",
            )
            self.message_user(request, "Their sessions were ended: current tokens stop working within seconds.")

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            client_id = request.GET.get("connection", "").strip()
            connection = get_application_model().objects.filter(client_id=client_id).first() if client_id else None
            access = access_explanation(user=obj, connection=connection)
            context.update(
                access=access,
                access_json=json.dumps(access.token_claims, indent=2),
                access_connection=client_id,
                access_connection_unknown=bool(client_id) and connection is None,
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.action(description="Assign a role to the selected users…", permissions=["change"])
    def assign_role(self, request, queryset):
        return self._bulk_role_page(
            request,
            queryset,
            AssignRoleForm,
            "Assign a role",
            lambda data: services.role_assign_to_users(
                role=data["role"],
                users=queryset,
                granted_by=request.user,
                starts_at=data.get("starts_at"),
                ends_at=data.get("ends_at"),
            ),
            "{count} user(s) got the role {role}.",
        )

    @admin.action(description="Remove a role from the selected users…", permissions=["change"])
    def remove_role(self, request, queryset):
        return self._bulk_role_page(
            request,
            queryset,
            RemoveRoleForm,
            "Remove a role",
            lambda data: services.role_remove_from_users(
                role=data["role"], users=queryset, revoke_access=data["revoke_access"]
            ),
            "{count} user(s) lost the role {role}.",
        )

    @admin.action(description="Revoke access now (end their sessions and tokens)", permissions=["change"])
    def revoke_access_now(self, request, queryset):
        count = services.user_access_revoke(users=queryset, reason=f"revoked by {request.user.get_username()}")
        self.message_user(
            request, f"Access of {count} user(s) revoked: their tokens stop working within seconds.", messages.SUCCESS
        )

    def _bulk_role_page(self, request, queryset, form_class, title, apply, done_message):
        """An intermediate page to choose the role, then the service call; thin on purpose."""
        if "apply" in request.POST:
            form = form_class(request.POST)
            if form.is_valid():
                count = apply(form.cleaned_data)
                self.message_user(
                    request, done_message.format(count=count, role=form.cleaned_data["role"].slug), messages.SUCCESS
                )
                return None
        else:
            form = form_class()
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "form": form,
            "media": self.media + form.media,
            "count": queryset.count(),
            "sample": list(queryset.order_by("username")[:10]),
            "action": request.POST.get("action", ""),
            "select_across": request.POST.get("select_across", "0"),
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/roles/bulk_role_form.html", context)
