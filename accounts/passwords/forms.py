from __future__ import annotations

from django.contrib.auth.forms import PasswordResetForm

from accounts.email import email_send_in_background
from roles.conf import absolute_url


class ResetRequestForm(PasswordResetForm):
    """Django's reset form; the email leaves in the background, so unknown addresses answer as fast as known ones."""

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ) -> None:
        link = absolute_url("password-reset-confirm", uidb64=context["uid"], token=context["token"])
        email_send_in_background(
            to=to_email, template="accounts/email/password_reset", context={**context, "link": link}
        )
