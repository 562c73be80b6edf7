"""SCIM clients: creating one, rotating or disabling its token, and recording how its syncs went."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.utils import timezone

from accounts.scim.models import ScimClient, token_digest
from roles.conf import absolute_url

TOKEN_PREFIX = "scim_"
#: How often a busy client's "last sync" is written: not at every one of a full push's requests.
SYNC_RECORD_INTERVAL = dt.timedelta(seconds=10)


@dataclass(frozen=True)
class IssuedScimClient:
    """A client with its bearer token: the only moment the token exists in clear."""

    client: ScimClient
    token: str

    @property
    def base_url(self) -> str:
        return scim_base_url()


def scim_base_url() -> str:
    """The Tenant URL / SCIM connector base URL a directory's admin pastes."""
    return absolute_url("scim")


def _new_token() -> tuple[str, str, str]:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, token_digest(token), token[: len(TOKEN_PREFIX) + 4]


def scim_client_create(*, name: str, manages_all_users: bool = False) -> IssuedScimClient:
    """Creates a SCIM client; its bearer token is returned once and stored only as a digest."""
    client = ScimClient(name=name, manages_all_users=manages_all_users)
    client.full_clean(exclude=["token_digest", "token_hint"])
    return scim_client_rotate_token(client=client)


def scim_client_rotate_token(*, client: ScimClient) -> IssuedScimClient:
    """Gives the client a new token (saving it, also when new): the old one stops working at once."""
    token, client.token_digest, client.token_hint = _new_token()
    client.token_rotated_at = timezone.now()
    client.save()
    return IssuedScimClient(client=client, token=token)


def scim_client_disable(*, client: ScimClient) -> None:
    """Refuses every further request of the client (what it provisioned stays)."""
    client.is_active = False
    client.save(update_fields=["is_active"])


def scim_client_record_sync(*, client: ScimClient) -> None:
    """Notes a successful request (at most every few seconds, so a full push does not write each time)."""
    now = timezone.now()
    if client.last_sync_at is None or now - client.last_sync_at >= SYNC_RECORD_INTERVAL:
        ScimClient.objects.filter(pk=client.pk).update(last_sync_at=now)
        client.last_sync_at = now


def scim_client_record_error(*, client: ScimClient, status: int, detail: str) -> None:
    """Keeps the latest refused request's reason, for the admin to see what the directory got wrong."""
    now = timezone.now()
    message = f"{status}: {detail}"[:1000]
    ScimClient.objects.filter(pk=client.pk).update(last_error=message, last_error_at=now)
    client.last_error, client.last_error_at = message, now
