from __future__ import annotations

from django.contrib.auth import login
from django.shortcuts import redirect, render

from accounts.invitations import services
from accounts.invitations.forms import AcceptInvitationForm

PASSWORD_BACKEND = "django.contrib.auth.backends.ModelBackend"


def invitation_accept(request, invitation_id: int, token: str):
    """The invitee chooses a username and password; then the MFA policy may ask for a second factor."""
    invitation = services.invitation_valid(invitation_id=invitation_id, token=token)
    if invitation is None:
        return render(request, "accounts/invitations/invalid.html", status=404)
    form = AcceptInvitationForm(
        request.POST or None,
        instance=AcceptInvitationForm.Meta.model(email=invitation.email),
        initial={"username": invitation.email.split("@")[0]},
    )
    if request.method == "POST" and form.is_valid():
        user = services.invitation_accept(
            invitation=invitation,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password1"],
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
        )
        login(request, user, backend=PASSWORD_BACKEND)
        return redirect("connections")  # the MFA gate steps in first when the policy requires it
    return render(
        request,
        "accounts/invitations/accept.html",
        {"form": form, "invitation": invitation},
        status=400 if form.errors else 200,
    )
