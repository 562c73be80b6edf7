"""How client secrets are stored: hashed, but without the key stretching meant for people's passwords."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


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
