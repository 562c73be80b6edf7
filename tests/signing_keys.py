"""
The portal's RSA signing keys, for the tests: a few generated once per process and handed out in turn.

The portal generates a key (`SigningKey.objects.generate`) whenever the database has none, so
nearly every test that signs a token makes one: ~70 ms of CPU to generate, and as much again for
each process to load it before signing (accounts.token_minting and accounts.signing_keys keep the
last 8 keys parsed). Handing out the same few real keys in turn makes most of that a cache hit.
Any `POOL_SIZE` keys generated in a row are distinct, so a rotation or a second key in one test
(or in one module's committed database) is always a different key. Only the portal's generation
is served from the pool: keys a test makes itself (an attacker's, an IdP's) are always new ones.
"""

from types import SimpleNamespace

from cryptography.hazmat.primitives.asymmetric import rsa

POOL_SIZE = 6


class KeyPool:
    def __init__(self) -> None:
        self._keys: list[rsa.RSAPrivateKey] = []
        self._handed_out = 0

    def generate_private_key(self, public_exponent: int, key_size: int) -> rsa.RSAPrivateKey:
        index = self._handed_out % POOL_SIZE
        if index == len(self._keys):
            self._keys.append(rsa.generate_private_key(public_exponent=public_exponent, key_size=key_size))
        key = self._keys[index]
        assert (key.public_key().public_numbers().e, key.key_size) == (public_exponent, key_size)
        self._handed_out += 1
        return key


def pooled_rsa_module() -> SimpleNamespace:
    """What `accounts.models` sees as `rsa` during the tests."""
    return SimpleNamespace(generate_private_key=KeyPool().generate_private_key)
