from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import BaseUserCreationForm

from accounts.invitations.models import Invitation
from accounts.invitations.services import invitation_email_check


class AcceptInvitationForm(BaseUserCreationForm):
    """Username, name and a password checked by Django's validators (similarity to the invited email too)."""

    class Meta(BaseUserCreationForm.Meta):
        model = get_user_model()
        fields = ["username", "first_name", "last_name"]


class InviteCsvForm(forms.Form):
    file = forms.FileField(
        help_text="One row per person: email, role slugs, team slugs (slugs separated by spaces "
        "or semicolons). A first row 'email,roles,teams' is skipped."
    )


class InvitationForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ["email", "roles", "teams"]

    def clean_email(self) -> str:
        return invitation_email_check(email=self.cleaned_data["email"])
