"""How client secrets are stored: hashed, but without the key stretching meant for people's passwords."""

from django.contrib.auth.hashers import Argon2PasswordHasher, PBKDF2PasswordHasher, identify_hasher

#: A typed-in client secret's minimum length (generated ones are DOT's 128 characters).
MIN_CLIENT_SECRET_LENGTH = 32
CLIENT_SECRET_TOO_SHORT = (
    f"A client secret needs at least {MIN_CLIENT_SECRET_LENGTH} characters: keep the generated one, "
    "or use 'Generate a new secret'."
)


class ClientSecretHasher(PBKDF2PasswordHasher):
    """
    PBKDF2-SHA256 with one iteration (a salted HMAC-SHA256), for OAuth client secrets only
    (DOT's ``CLIENT_SECRET_HASHER``).

    Every token request checks the client secret, so its cost is paid per grant. Key stretching
    only slows the guessing of secrets a person could guess; client secrets are long random
    strings the portal generates (DOT's 128 characters, hundreds of bits), which no number of
    iterations makes easier or harder to guess, so this is the standard treatment of API keys:
    one fast hash, still salted per secret so a database leak reveals neither the secret nor
    which connections share one. The previous 1,000 iterations cost ~0.5 ms per grant for nothing.
    Same algorithm name: a stored hash with other iterations still verifies, and is rewritten with
    these at its next successful use (Django's ``must_update``, see
    ``RolegateOAuth2Validator._check_secret``).
    """

    algorithm = "pbkdf2_sha256_client_secret"
    iterations = 1


def client_secret_too_short(secret: str) -> bool:
    """
    A secret typed in (not a stored hash) shorter than :data:`MIN_CLIENT_SECRET_LENGTH`: it is
    hashed for speed, not against guessing (:class:`ClientSecretHasher`), so only its length
    protects it once a hash leaks.
    """
    if len(secret) >= MIN_CLIENT_SECRET_LENGTH:
        return False
    try:
        identify_hasher(secret)
    except ValueError:
        return True
    return False


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
