"""
The asymmetric keys that sign access and ID tokens.

Keys are stored in the database so that every process of a deployment signs with the same
key and publishes the same JWKS; the first process that needs one generates it. This module
is imported by settings (for DOT's ``OIDC_RSA_PRIVATE_KEY``), so it touches models lazily.
"""

from __future__ import annotations

from django.utils.functional import lazy

#: How long clients may cache the JWKS document.
JWKS_MAX_AGE_SECONDS = 60


def active_signing_key():
    """The key that signs from now on; created on first use when none exists."""
    from accounts.models import SigningKey

    return SigningKey.objects.active() or SigningKey.objects.generate()


def _active_private_key_pem() -> str:
    return active_signing_key().private_key_pem


#: A string that is always the PEM of the active key: what DOT signs ID tokens with.
active_private_key_pem = lazy(_active_private_key_pem, str)()
