"""
The admin for roles, teams and assignments, built to stay fast with 100,000 users and 1,000
roles: every list and change page runs a fixed number of queries (autocomplete instead of
long selects, related rows shown read-only from one query, no full counts).
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AdminSplitDateTime, AutocompleteSelect
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from oauth2_provider.models import get_application_model

from roles import services
from roles.models import (
    AccessRevocation,
    ApiPermission,
    Role,
    RoleAssignment,
    RoleDataScope,
    RoleInclusion,
    Team,
    TeamMembership,
)
from roles.selectors import access_explanation, role_member_assignments


# ---------------------------------------------------------------- building blocks
class SlugInputFilter(admin.SimpleListFilter):
    """A text box instead of a list of every choice (there may be thousands of roles or teams)."""

    template = "admin/roles/input_filter.html"
    lookup: str = ""
    placeholder = "slug, then Enter"

    def lookups(self, request, model_admin):
        return [("", "")]  # the filter is shown only when it has choices; the box is the choice

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        return queryset.filter(**{self.lookup: value}) if value else queryset

    def choices(self, changelist):
        everything = next(iter(super().choices(changelist)))
        everything["placeholder"] = self.placeholder
        everything["hidden_params"] = [
            (name, value)
            for name, values in changelist.get_filters_params().items()
            if name != self.parameter_name
            for value in (values if isinstance(values, list) else [values])
        ]
        yield everything


class ExistingRowsInline(admin.TabularInline):
    """
    Lists existing related rows read-only from one query (no widget per row), with a delete box;
    new rows are added by the companion :class:`NewRowsInline`.
    """

    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class NewRowsInline(admin.TabularInline):
    """Blank forms only, to add related rows with autocomplete."""

    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).none()


# ---------------------------------------------------------------- permissions and roles
@admin.register(ApiPermission)
class ApiPermissionAdmin(admin.ModelAdmin):
    list_display = ["code", "description"]
    search_fields = ["code", "description"]
    show_full_result_count = False


class RoleDataScopeInline(admin.TabularInline):
    model = RoleDataScope
    extra = 1
    verbose_name_plural = "Data scopes (which rows: attribute = value, * for every value)"


class IncludedRolesInline(ExistingRowsInline):
    model = RoleInclusion
    fk_name = "role"
    fields = readonly_fields = ["included_role"]
    verbose_name_plural = "Included roles (this role also grants everything they grant)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("role", "included_role")


class AddIncludedRolesInline(NewRowsInline):
    model = RoleInclusion
    fk_name = "role"
    fields = ["included_role"]
    autocomplete_fields = ["included_role"]
    verbose_name_plural = "Include more roles"


class HolderKindFilter(admin.SimpleListFilter):
    title = "held by"
    parameter_name = "holder"

    def lookups(self, request, model_admin):
        return [("user", "users"), ("team", "teams")]

    def queryset(self, request, queryset):
        if self.value() == "user":
            return queryset.filter(team__isnull=True)
        if self.value() == "team":
            return queryset.filter(user__isnull=True)
        return queryset


class AssignmentStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", "in force"), ("scheduled", "starts later"), ("ended", "ended")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "active":
            return queryset.active(now)
        if self.value() == "scheduled":
            return queryset.filter(starts_at__gt=now)
        if self.value() == "ended":
            return queryset.filter(ends_at__lte=now)
        return queryset


class RoleSlugFilter(SlugInputFilter):
    title = "role"
    parameter_name = "role_slug"
    lookup = "role__slug"


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "permission_list", "limited_to", "members_link"]
    search_fields = ["slug", "name", "description"]
    list_filter = ["permissions"]
    filter_horizontal = ["permissions"]
    autocomplete_fields = ["connections"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "description", "permissions", "connections", "requires_mfa", "members_link"]
    readonly_fields = ["members_link"]
    inlines = [RoleDataScopeInline, IncludedRolesInline, AddIncludedRolesInline]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("permissions", "connections")

    @admin.display(description="permissions")
    def permission_list(self, role: Role) -> str:
        return ", ".join(permission.code for permission in role.permissions.all())

    @admin.display(description="connections")
    def limited_to(self, role: Role) -> str:
        return ", ".join(connection.name for connection in role.connections.all()) or "all"

    @admin.display(description="members")
    def members_link(self, role: Role) -> str:
        if role.pk is None:
            return "—"
        return format_html('<a href="{}">members</a>', reverse("admin:roles_role_members", args=[role.pk]))

    def get_urls(self):
        return [
            path("<path:object_id>/members/", self.admin_site.admin_view(self.members_view), name="roles_role_members"),
            *super().get_urls(),
        ]

    def members_view(self, request, object_id):
        """Who holds this role: users and teams, directly or through a composite; paginated."""
        role = get_object_or_404(Role, pk=object_id)
        if not self.has_view_permission(request, role):
            raise PermissionDenied
        page = Paginator(role_member_assignments(role=role), 100).get_page(request.GET.get("page"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Members of {role.slug}",
            "role": role,
            "page": page,
            "now": timezone.now(),
        }
        return TemplateResponse(request, "admin/roles/role_members.html", context)

    def save_formset(self, request, form, formset, change):
        stamp_granted_by(request, formset)


def stamp_granted_by(request, formset) -> None:
    """Saves an inline formset, recording the admin as the granter of new role assignments."""
    for instance in formset.save(commit=False):
        if isinstance(instance, RoleAssignment) and instance.pk is None:
            instance.granted_by = request.user
        instance.save()
    for instance in formset.deleted_objects:
        instance.delete()
    formset.save_m2m()


# ---------------------------------------------------------------- assignments
class AssignmentForm(forms.ModelForm):
    """The fields an admin edits; the model's clean() reports "user or team" and period errors."""

    class Meta:
        model = RoleAssignment
        fields = ["role", "user", "team", "starts_at", "ends_at"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    form = AssignmentForm
    list_display = ["holder", "role", "starts_at", "ends_at", "granted_by", "granted_at"]
    list_filter = [AssignmentStateFilter, HolderKindFilter, RoleSlugFilter]
    search_fields = ["user__username", "user__email", "team__slug", "role__slug"]
    autocomplete_fields = ["user", "team", "role"]
    readonly_fields = ["granted_by", "granted_at"]
    list_select_related = ["user", "team", "role", "granted_by"]
    show_full_result_count = False

    @admin.display(description="user or team")
    def holder(self, assignment: RoleAssignment) -> str:
        return assignment.holder_label

    def save_model(self, request, obj, form, change):
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)


# ---------------------------------------------------------------- teams
class TeamRolesInline(ExistingRowsInline):
    model = RoleAssignment
    fk_name = "team"
    fields = readonly_fields = ["role", "starts_at", "ends_at", "granted_by", "granted_at"]
    verbose_name_plural = "Roles of this team (every member holds them)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("team", "role", "granted_by")


class AddTeamRolesInline(NewRowsInline):
    model = RoleAssignment
    fk_name = "team"
    fields = ["role", "starts_at", "ends_at"]
    autocomplete_fields = ["role"]
    verbose_name_plural = "Give this team a role"


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "member_count", "members_link"]
    search_fields = ["slug", "name"]
    ordering = ["slug"]  # Meta.ordering does not apply to the member-count GROUP BY
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "description", "members_link"]
    readonly_fields = ["members_link"]
    inlines = [TeamRolesInline, AddTeamRolesInline]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=Count("memberships"))

    @admin.display(description="members", ordering="member_total")
    def member_count(self, team: Team) -> int:
        return team.member_total

    @admin.display(description="member list")
    def members_link(self, team: Team) -> str:
        if team.pk is None:
            return "Add members after saving the team."
        url = reverse("admin:roles_teammembership_changelist") + f"?team_slug={team.slug}"
        return format_html('<a href="{}">view and edit the members</a>', url)

    def save_formset(self, request, form, formset, change):
        stamp_granted_by(request, formset)


class TeamSlugFilter(SlugInputFilter):
    title = "team"
    parameter_name = "team_slug"
    lookup = "team__slug"


@admin.register(TeamMembership)
class TeamMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "added_at"]
    list_filter = [TeamSlugFilter]
    search_fields = ["user__username", "user__email", "team__slug"]
    autocomplete_fields = ["team", "user"]
    list_select_related = ["user", "team"]
    show_full_result_count = False


@admin.register(AccessRevocation)
class AccessRevocationAdmin(admin.ModelAdmin):
    """Read-only: written by "revoke access now" (and deactivation)."""

    list_display = ["user", "revoked_before", "reason"]
    ordering = ["-revoked_before"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# ---------------------------------------------------------------- users (mixed into accounts' UserAdmin)
class UserRolesInline(ExistingRowsInline):
    model = RoleAssignment
    fk_name = "user"
    fields = readonly_fields = ["role", "starts_at", "ends_at", "granted_by", "granted_at"]
    verbose_name_plural = "Roles assigned directly"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "role", "granted_by")


class AddUserRolesInline(NewRowsInline):
    model = RoleAssignment
    fk_name = "user"
    fields = ["role", "starts_at", "ends_at"]
    autocomplete_fields = ["role"]
    verbose_name_plural = "Give a role"


class UserTeamsInline(ExistingRowsInline):
    model = TeamMembership
    fk_name = "user"
    fields = readonly_fields = ["team", "added_at"]
    verbose_name_plural = "Teams"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "team")


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
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            raise forms.ValidationError("The end must be after the start.")
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


class UserAccessAdminMixin:
    """What roles/ adds to the user admin: roles, teams, bulk role actions, revocation, access preview."""

    form = UserAccessChangeForm

    access_inlines = [UserRolesInline, AddUserRolesInline, UserTeamsInline, AddUserTeamsInline]
    access_list_filters = [UserRoleFilter, UserTeamFilter]
    actions = ["assign_role", "remove_role", "revoke_access_now"]
    change_form_template = "admin/roles/user_change_form.html"
    show_full_result_count = False

    def get_inlines(self, request, obj):
        return [*super().get_inlines(request, obj), *self.access_inlines] if obj is not None else []

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), *self.access_list_filters]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        return fieldsets if obj is None else [*fieldsets, ("Sessions", {"fields": ["end_sessions"]})]

    def save_formset(self, request, form, formset, change):
        stamp_granted_by(request, formset)

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
            application = get_application_model().objects.filter(client_id=client_id).first() if client_id else None
            access = access_explanation(user=obj, application=application)
            context.update(
                access=access,
                access_json=json.dumps(access.token_claims, indent=2),
                access_connection=client_id,
                access_connection_unknown=bool(client_id) and application is None,
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.action(description="Assign a role to the selected users…", permissions=["change"])
    def assign_role(self, request, queryset):
        return self._bulk_role_page(
            request, queryset, AssignRoleForm, "Assign a role",
            lambda data: services.role_assign_to_users(
                role=data["role"], users=queryset, granted_by=request.user,
                starts_at=data.get("starts_at"), ends_at=data.get("ends_at"),
            ),
            "{count} user(s) got the role {role}.",
        )

    @admin.action(description="Remove a role from the selected users…", permissions=["change"])
    def remove_role(self, request, queryset):
        return self._bulk_role_page(
            request, queryset, RemoveRoleForm, "Remove a role",
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
                self.message_user(request, done_message.format(count=count, role=form.cleaned_data["role"].slug),
                                  messages.SUCCESS)
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



class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that only the system writes (audit events, API calls): browse, never edit."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

from roles.audit import admin as audit_admin  # noqa: E402,F401  (registers the audit log's admin)
