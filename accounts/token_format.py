"""
The access token's format, defined once for both sides: what `accounts.token_minting` writes
and `actions_api.token_verification` accepts (RFC 9068 and DESIGN §4).
"""

# The JWT header's `typ` (RFC 9068 §2.1): an ID token or any other JWT is refused by the API.
ACCESS_TOKEN_TYPE = "at+jwt"
# The one algorithm access tokens are signed with; verification accepts nothing else.
ALGORITHM = "RS256"
ALGORITHMS = [ALGORITHM]
# The header fields a token may carry; anything more (`jku`, `x5u`, `jwk`, ...) is refused.
HEADER_FIELDS = frozenset({"alg", "kid", "typ"})
# Claims every access token carries and the API requires.
REQUIRED_CLAIMS = ["iss", "sub", "aud", "exp", "iat", "nbf", "jti", "client_id", "scope"]
# RFC 7519 NumericDates: JSON integers. PyJWT coerces with int(), so "9999999999", 1.5 and true pass it.
NUMERIC_DATE_CLAIMS = ("exp", "iat", "nbf")
