"""Signing-key rotation (ASVS V9.1.3 / RFC 7517 key sets): publish ahead, verify old, retire after expiry."""

from __future__ import annotations

import datetime as dt
import types

import jwt
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts import signing_keys
from accounts.models import SigningKey
from accounts.services import signing_key_rotate, signing_key_tokens_live_for, signing_keys_retire
from accounts.signing_keys import active_signing_key
from actions_api import keyset
from roles.conf import rolegate_settings
from tests.factories import UserFactory

ME = "/api/v1/me"


@pytest.fixture
def user(db):
    return UserFactory(username="rotating")


@pytest.fixture
def clock(monkeypatch):
    """The key caches' monotonic clock, under the test's control."""
    fake = types.SimpleNamespace(now=1000.0)
    for module in (keyset, signing_keys):
        monkeypatch.setattr(module, "time", types.SimpleNamespace(monotonic=lambda: fake.now))
    return fake


def jwks_kids(client) -> set[str]:
    return {key["kid"] for key in client.get("/.well-known/jwks.json").json()["keys"]}


def kid_of(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


def sign_with(key: SigningKey, token: str) -> str:
    """The same claims, signed by `key` (what the portal issues once `key` is active)."""
    claims = jwt.decode(token, options={"verify_signature": False})
    return jwt.encode(claims, key.private_key_pem, algorithm="RS256", headers={"kid": key.kid, "typ": "at+jwt"})


def expire_rotation(key: SigningKey) -> None:
    """Moves `key`'s rotation far enough into the past that its tokens have all expired."""
    long_ago = timezone.now() - signing_key_tokens_live_for() - dt.timedelta(seconds=1)
    SigningKey.objects.filter(pk=key.pk).update(rotated_at=long_ago)


def test_a_rotated_key_is_published_before_it_signs(client, user, mint_token):
    old = active_signing_key()
    rotated_at = timezone.now()
    new = signing_key_rotate()

    assert jwks_kids(client) == {old.kid, new.kid}
    assert active_signing_key() == old and kid_of(mint_token(user)) == old.kid
    # Measured from the rotation, not from after the checks above (a busy machine takes its time).
    assert new.activates_at - rotated_at >= dt.timedelta(seconds=rolegate_settings.SIGNING_KEYS_CACHE_SECONDS)


def test_a_first_key_made_by_rotation_signs_at_once(db):
    assert not SigningKey.objects.exists()
    key = signing_key_rotate()
    assert active_signing_key() == key and SigningKey.objects.count() == 1


def test_once_active_the_new_key_signs_and_the_old_one_still_verifies(client, user, mint_token, bearer, clock):
    old_token = mint_token(user)
    assert bearer(old_token).get(ME).status_code == 200

    new = signing_key_rotate(publish_ahead=dt.timedelta(0))
    new_token = mint_token(user)
    clock.now += 6  # past the reload throttle for an unknown kid

    assert kid_of(new_token) == new.kid != kid_of(old_token)
    assert bearer(new_token).get(ME).status_code == 200
    assert bearer(old_token).get(ME).status_code == 200


def test_every_process_learns_a_published_key_before_its_first_token_without_a_restart(user, mint_token, bearer, clock):
    # This process loaded the keys a moment ago (at clock 1000).
    assert bearer(mint_token(user)).get(ME).status_code == 200
    new = signing_key_rotate()

    clock.now += 1
    assert keyset.public_keys.get(new.kid) is None  # not yet: the cache is fresh
    clock.now += rolegate_settings.SIGNING_KEYS_CACHE_SECONDS
    assert keyset.public_keys.get(new.kid) is not None  # reloaded by age, before the key signs

    assert timezone.now() < new.activates_at
    assert bearer(sign_with(new, mint_token(user))).get(ME).status_code == 200


def test_tokens_naming_unknown_kids_reload_the_keys_at_most_once_per_interval(user, clock, django_assert_num_queries):
    assert keyset.public_keys.get("made-up-0") is None  # the first lookup loads
    with django_assert_num_queries(0):
        assert all(keyset.public_keys.get(f"made-up-{n}") is None for n in range(50))
    clock.now += rolegate_settings.SIGNING_KEYS_MIN_RELOAD_SECONDS + 0.1
    with django_assert_num_queries(1):
        assert all(keyset.public_keys.get(f"made-up-{n}") is None for n in range(50))


def test_a_key_rotated_by_another_process_signs_here_once_this_process_rereads_it(user, clock, monkeypatch):
    old = active_signing_key()
    monkeypatch.setattr("accounts.services.forget_active_signing_key", lambda: None)  # as if rotated elsewhere
    new = signing_key_rotate(publish_ahead=dt.timedelta(0))

    assert active_signing_key() == old
    clock.now += rolegate_settings.ACTIVE_SIGNING_KEY_CACHE_SECONDS + 0.1
    assert active_signing_key() == new


def test_keys_are_retired_only_after_every_token_they_signed_has_expired(client, user, mint_token, bearer, clock):
    old = active_signing_key()
    old_token = mint_token(user)
    new = signing_key_rotate(publish_ahead=dt.timedelta(0))

    assert signing_keys_retire() == []
    assert jwks_kids(client) == {old.kid, new.kid}

    expire_rotation(old)
    assert [key.kid for key in signing_keys_retire()] == [old.kid]

    assert jwks_kids(client) == {new.kid}
    clock.now += rolegate_settings.SIGNING_KEYS_CACHE_SECONDS + 1
    response = bearer(old_token).get(ME)
    assert response.status_code == 401 and "does not publish" in response.json()["detail"]


def test_the_signing_key_is_never_retired(user):
    key = active_signing_key()
    SigningKey.objects.filter(pk=key.pk).update(created_at=timezone.now() - dt.timedelta(days=365))

    assert signing_keys_retire() == []
    with pytest.raises(CommandError, match="rotate_signing_key first"):
        call_command("retire_signing_keys", kid=key.kid, force=True)
    assert SigningKey.objects.published().filter(pk=key.pk).exists()


def test_a_key_awaiting_activation_is_not_retired_nor_its_predecessor_early(user):
    old = active_signing_key()
    new = signing_key_rotate()
    with pytest.raises(CommandError, match="rotate_signing_key first"):
        call_command("retire_signing_keys", kid=old.kid)  # still signing until `new` activates
    with pytest.raises(CommandError, match="rotate_signing_key first"):
        call_command("retire_signing_keys", kid=new.kid)


def test_a_leaked_key_can_be_retired_at_once_with_force(client, user, mint_token):
    old = active_signing_key()
    signing_key_rotate(publish_ahead=dt.timedelta(0))
    with pytest.raises(CommandError, match="--force if the key leaked"):
        call_command("retire_signing_keys", kid=old.kid)

    call_command("retire_signing_keys", kid=old.kid, force=True)

    assert old.kid not in jwks_kids(client)


def test_the_commands_say_what_they_did(user, capsys):
    old = active_signing_key()
    call_command("rotate_signing_key")
    out = capsys.readouterr().out
    new = SigningKey.objects.exclude(pk=old.pk).get()
    assert f"New signing key {new.kid} published" in out and "signs new tokens from" in out

    call_command("retire_signing_keys")
    out = capsys.readouterr().out
    assert "No key to retire" in out and f"Kept {old.kid}" in out
