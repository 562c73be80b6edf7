from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.devices import services
from accounts.devices.models import DeviceSession


@login_required
def device_sessions(request):
    """The devices this user is signed in on; the current one is marked."""
    return render(
        request,
        "accounts/devices.html",
        {
            "devices": DeviceSession.objects.of(request.user),
            "current_key": request.session.session_key,
        },
    )


@login_required
@require_POST
def device_session_end(request, pk: int):
    if services.device_session_end(user=request.user, pk=pk):
        messages.success(request, "Signed out on that device.")
    return redirect("device-sessions")


@login_required
@require_POST
def device_sessions_end_others(request):
    count = services.device_sessions_end(user=request.user, keep_session_key=request.session.session_key)
    messages.success(request, f"Signed out on {count} other device(s).")
    return redirect("device-sessions")
