from __future__ import annotations

from accounts.devices.services import device_sessions_end
from roles.services import user_access_revoke


def password_reset_complete(*, user) -> None:
    """After a reset, whoever held the old password is out: every session and every connection's tokens end."""
    device_sessions_end(user=user)
    user_access_revoke(users=type(user)._base_manager.filter(pk=user.pk), reason="password reset")


def password_change_complete(*, user, session_key: str) -> None:
    """After a change, the user stays signed in here and is signed out on their other devices."""
    device_sessions_end(user=user, keep_session_key=session_key)
