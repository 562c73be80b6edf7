"""Teams, their roles (every member holds them) and their members."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html

from roles.admin.base import AddRoleAssignmentsInline, GrantedByStampMixin, RoleAssignmentsInline, SlugInputFilter
from roles.models import Team, TeamMembership


class TeamRolesInline(RoleAssignmentsInline):
    fk_name = "team"
    verbose_name_plural = "Roles of this team (every member holds them)"


class AddTeamRolesInline(AddRoleAssignmentsInline):
    fk_name = "team"
    verbose_name_plural = "Give this team a role"


@admin.register(Team)
class TeamAdmin(GrantedByStampMixin, admin.ModelAdmin):
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
