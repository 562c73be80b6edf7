from __future__ import annotations

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from accounts.invitations import services
from accounts.invitations.forms import InvitationForm, InviteCsvForm
from accounts.invitations.models import Invitation


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invite one person (add) or many (Invite from CSV); resend or cancel pending invitations."""

    list_display = ["email", "status", "invited_by", "sent_at", "accepted_at"]
    list_filter = [("accepted_at", admin.EmptyFieldListFilter), ("cancelled_at", admin.EmptyFieldListFilter)]
    search_fields = ["email"]
    form = InvitationForm
    fields = ["email", "roles", "teams"]
    autocomplete_fields = ["roles", "teams"]
    actions = ["resend", "cancel"]
    change_list_template = "admin/accounts/invitation/change_list.html"

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change) -> None:
        sent = services.invitation_create(
            email=obj.email, roles=form.cleaned_data["roles"], teams=form.cleaned_data["teams"], invited_by=request.user
        )
        obj.pk = sent.invitation.pk
        self._report(request, [sent])

    def save_related(self, request, form, formsets, change) -> None:
        """invitation_create already set the roles and teams."""

    @admin.action(description="Send selected invitations again (earlier links stop working)")
    def resend(self, request, queryset):
        self._report(request, [services.invitation_send(invitation=invitation) for invitation in queryset.pending()])

    @admin.action(description="Cancel selected invitations (their links stop working)")
    def cancel(self, request, queryset):
        for invitation in queryset.pending():
            services.invitation_cancel(invitation=invitation)
        self.message_user(request, "Cancelled.")

    def get_urls(self):
        return [
            path("csv/", self.admin_site.admin_view(self.csv_view), name="accounts_invitation_csv"),
            *super().get_urls(),
        ]

    def csv_view(self, request):
        form = InviteCsvForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            text = form.cleaned_data["file"].read().decode("utf-8-sig", errors="replace")
            sent, problems = services.invitations_from_csv(text=text, invited_by=request.user)
            self._report(request, sent)
            for problem in problems:
                messages.error(request, problem)
            return redirect("admin:accounts_invitation_changelist")
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "opts": self.model._meta,
            "title": "Invite from a CSV file",
        }
        return TemplateResponse(request, "admin/accounts/invitation/csv.html", context)

    def _report(self, request, sent: list[services.SentInvitation]) -> None:
        for item in sent:
            if item.emailed:
                messages.success(request, f"Invitation emailed to {item.invitation.email}.")
            else:
                messages.warning(
                    request, f"Email is not configured: send {item.invitation.email} this link: {item.link}"
                )
