"""
The API's copy of the revocation list: is this token of a user whose access was revoked?

Held in process memory and refreshed from the cache every ``ACCESS_REVOCATION_REFRESH_SECONDS``
(the cache falls back to the database), so the normal request path makes no query and a
revocation reaches every process within seconds. See :mod:`roles.revocations`.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings

from actions_api.tokens import InvalidAccessToken, VerifiedToken
from roles.revocations import recent_revocations, revocation_key


class RevocationList:
    def __init__(self) -> None:
        self._cutoffs: dict[str, float] = {}
        self._loaded_at = float("-inf")
        self._lock = threading.Lock()

    def is_revoked(self, *, subject: str, client_id: str, issued_at: int | float) -> bool:
        """
        True when the subject's access, everywhere or through this connection, was revoked after
        this token was issued (same second included).
        """
        if time.monotonic() - self._loaded_at > settings.ACCESS_REVOCATION_REFRESH_SECONDS:
            self.reload()
        cutoffs = (self._cutoffs.get(key) for key in (revocation_key(subject), revocation_key(subject, client_id)))
        return any(cutoff is not None and issued_at < cutoff for cutoff in cutoffs)

    def reload(self) -> None:
        with self._lock:
            self._cutoffs = recent_revocations()
            self._loaded_at = time.monotonic()

    def clear(self) -> None:
        with self._lock:
            self._cutoffs, self._loaded_at = {}, float("-inf")


revocations = RevocationList()


def ensure_not_revoked(token: VerifiedToken) -> None:
    """Raises the verifier's own error when `token` belongs to access revoked since it was issued."""
    if revocations.is_revoked(subject=token.subject, client_id=token.client_id, issued_at=token.claims["iat"]):
        raise InvalidAccessToken("The access token was revoked. Sign in again to get a new one.")
