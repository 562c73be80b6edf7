"""What django-axes records about a failed sign-in, made safe to store."""

from __future__ import annotations

from django.contrib.auth import get_user_model


def lockout_username(request, credentials: dict | None = None) -> str | None:
    """
    The username axes counts failures for (``AXES_USERNAME_CALLABLE``): as typed, but never
    longer than a username can be. Axes stores it in a 255-character column, so a longer
    one typed into the sign-in form would otherwise fail in the database (a 500).
    """
    data = credentials or getattr(request, "data", request.POST)
    username = data.get("username")
    if username is None:
        return None
    User = get_user_model()
    return str(username)[: User._meta.get_field(User.USERNAME_FIELD).max_length]
