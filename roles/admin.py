from django.contrib import admin

from roles.models import ApiPermission, Role, RoleAssignment, RoleDataScope


@admin.register(ApiPermission)
class ApiPermissionAdmin(admin.ModelAdmin):
    list_display = ["code", "description"]
    search_fields = ["code", "description"]


class RoleDataScopeInline(admin.TabularInline):
    model = RoleDataScope
    extra = 1
    verbose_name_plural = "Data scopes (which rows: attribute = value, * for every value)"


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "role"
    extra = 0
    autocomplete_fields = ["user"]
    readonly_fields = ["granted_by", "granted_at"]
    verbose_name_plural = "Members"


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "permission_list"]
    search_fields = ["slug", "name", "description"]
    list_filter = ["permissions"]
    filter_horizontal = ["permissions"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [RoleDataScopeInline, RoleAssignmentInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("permissions")

    @admin.display(description="permissions")
    def permission_list(self, role: Role) -> str:
        return ", ".join(permission.code for permission in role.permissions.all())

    def save_formset(self, request, form, formset, change):
        stamp_granted_by(request, formset)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "granted_by", "granted_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email", "role__slug"]
    autocomplete_fields = ["user", "role"]
    readonly_fields = ["granted_by", "granted_at"]
    list_select_related = ["user", "role", "granted_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)


def stamp_granted_by(request, formset) -> None:
    """Saves an inline formset, recording the admin as the granter of new role assignments."""
    for instance in formset.save(commit=False):
        if isinstance(instance, RoleAssignment) and instance.pk is None:
            instance.granted_by = request.user
        instance.save()
    for instance in formset.deleted_objects:
        instance.delete()
    formset.save_m2m()
