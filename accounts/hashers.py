"""How client secrets are stored: hashed, but without the key stretching meant for people's passwords."""

from django.contrib.auth.hashers import Argon2PasswordHasher, PBKDF2PasswordHasher


class ClientSecretHasher(PBKDF2PasswordHasher):
    """
    PBKDF2-SHA256 with few iterations, for OAuth client secrets only (DOT's ``CLIENT_SECRET_HASHER``).

    Every token request checks the client secret. With the password hasher's 1,000,000
    iterations that check alone cost ~0.25 s of CPU, capping the token endpoint near 4 grants/s
    per core. Client secrets are long random strings the portal generates, so stretching adds
    nothing against guessing them; the salted hash still keeps a database leak from revealing them.
    """

    algorithm = "pbkdf2_sha256_client_secret"
    iterations = 1_000


class PasswordHasher(Argon2PasswordHasher):
    """
    Argon2id at OWASP's minimum for it (19 MiB of memory, 2 passes, 1 lane), for people's passwords.

    Django's defaults (100 MiB, 8 lanes) cost ~0.2 s of CPU per sign-in, capping sign-ins near
    5 per second per core; OWASP's Password Storage Cheat Sheet lists m=19 MiB, t=2, p=1 as an
    equally strong configuration. Same algorithm name as Django's hasher, so every stored argon2
    hash verifies, and one with other parameters is rehashed with these at its next sign-in
    (Django's `must_update`).
    """

    memory_cost = 19 * 1024  # KiB
    time_cost = 2
    parallelism = 1
