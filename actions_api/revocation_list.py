"""
The API's copy of the revocation list: was this token cut off after it was issued?

PostgreSQL holds the list (:mod:`roles.revocations` writes it). Each process keeps a copy in
memory, so checking a token makes no query on the normal path, and at most once per
``ACCESS_REVOCATION_REFRESH_SECONDS`` (1 s) reads the list's version from the shared cache;
a new version means a revocation happened somewhere, and the copy is reloaded from the
database. A revocation thus reaches every process within that interval plus one query, and
the process that made it at once. While the shared cache does not answer, the copy is
reloaded from the database at that same interval instead, and when the cache answers again
the version is bumped, so that revocations written during the outage reach every process.
"""

from __future__ import annotations

import threading
import time

from prometheus_client import Gauge

from actions_api.token_verification import VerifiedToken
from roles.conf import rolegate_settings
from roles.resilient_cache import outage, shared_cache_answering
from roles.revocations import (
    access_revoked,
    recent_revocations,
    revocation_key,
    revocation_version,
    revocation_version_bump,
)

#: When the list was last confirmed current, as a Unix time (alert on ``time() - …``). A time, not an
#: age computed at scrape: with several workers (PROMETHEUS_MULTIPROC_DIR) only written values reach a
#: scrape, and one scrape then shows the stalest live worker's ("livemin").
REVOCATION_LIST_CONFIRMED = Gauge(
    "rolegate_revocation_list_confirmed_timestamp_seconds",
    "Unix time at which this process (with several workers: the stalest one) last confirmed its revocation list.",
    multiprocess_mode="livemin",
)


class RevocationList:
    """Cut-offs by revocation key, refreshed when the shared version changes (or the cache is out)."""

    def __init__(self) -> None:
        self._cutoffs: dict[tuple[str, str, str], float] = {}
        self._version: object = None
        self._checked_at = float("-inf")  # monotonic: when the version was last compared
        REVOCATION_LIST_CONFIRMED.set_to_current_time()  # since when the copy is known to be current
        self._outages_seen = outage.outages
        self._lock = threading.Lock()

    def is_revoked(self, token: VerifiedToken) -> bool:
        """True when a cut-off matching the token's user, connection or `jti` is later than its `iat`."""
        if time.monotonic() - self._checked_at >= rolegate_settings.ACCESS_REVOCATION_REFRESH_SECONDS:
            self.refresh()
        issued_at = token.payload["iat"]
        for key in _candidate_keys(token):
            cutoff = self._cutoffs.get(key)
            if cutoff is not None and issued_at < cutoff:
                return True
        return False

    def refresh(self) -> None:
        with self._lock:
            if time.monotonic() - self._checked_at < rolegate_settings.ACCESS_REVOCATION_REFRESH_SECONDS:
                return  # another thread refreshed while this one waited
            version = revocation_version()
            if not shared_cache_answering():
                self._load(version=None)  # the database is the source of truth; no version to trust
                return
            if version is None or self._outages_seen != outage.outages:
                # No version (a fresh cache), or revocations made during an outage went unannounced.
                self._outages_seen = outage.outages
                version = revocation_version_bump()
            if version != self._version:
                self._load(version=version)
            else:
                self._confirmed()

    def reload(self) -> None:
        """Reloads now (the process that revoked does not wait for the next check)."""
        with self._lock:
            self._load(version=None)

    def clear(self) -> None:
        with self._lock:
            self._cutoffs, self._version, self._checked_at = {}, None, float("-inf")

    def _load(self, *, version: object) -> None:
        self._cutoffs = recent_revocations()
        self._version = version
        self._confirmed()

    def _confirmed(self) -> None:
        self._checked_at = time.monotonic()
        REVOCATION_LIST_CONFIRMED.set_to_current_time()


def _candidate_keys(token: VerifiedToken):
    """Every key a revocation touching this token can have: each field is the token's, or empty (any)."""
    for subject in (token.subject, ""):
        for client_id in (token.client_id, ""):
            for token_id in (token.token_id, ""):
                yield revocation_key(subject=subject, client_id=client_id, token_id=token_id)


revocations = RevocationList()
access_revoked.connect(lambda **kwargs: revocations.reload(), weak=False, dispatch_uid="actions_api_revocations")
