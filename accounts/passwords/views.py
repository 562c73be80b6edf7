from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from accounts.devices.services import device_session_rekey
from accounts.passwords import services
from accounts.passwords.forms import ResetRequestForm


class ResetRequestView(auth_views.PasswordResetView):
    """Same answer for every address (no user enumeration); the link is single-use and expires."""

    form_class = ResetRequestForm
    template_name = "accounts/password/reset_request.html"
    success_url = reverse_lazy("password-reset-sent")


class ResetSentView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password/reset_sent.html"


class ResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password/reset_confirm.html"
    success_url = reverse_lazy("password-reset-complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_reset_complete(user=form.user)
        return response


class ResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password/reset_complete.html"


class ChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password/change.html"
    success_url = reverse_lazy("password-change-done")

    def form_valid(self, form):
        old_key = self.request.session.session_key
        response = super().form_valid(form)  # keeps this session (a new key), ends the others' validity
        device_session_rekey(request=self.request, old_key=old_key)
        services.password_change_complete(user=form.user, session_key=self.request.session.session_key)
        return response


class ChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password/change_done.html"
