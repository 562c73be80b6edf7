from __future__ import annotations

from dataclasses import dataclass

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated

from actions_api.revocation import ensure_not_revoked
from actions_api.tokens import InvalidAccessToken, VerifiedToken, verify_access_token

REALM = "rolegate"


@dataclass(frozen=True)
class TokenUser:
    """The caller, as the verified token names them; never loaded from the database."""

    token: VerifiedToken
    is_authenticated = True
    is_anonymous = False

    @property
    def pk(self) -> str:
        return self.token.subject

    @property
    def username(self) -> str:
        return self.token.username


class BearerTokenError(AuthenticationFailed):
    """A 401 that names its RFC 6750 error code for the WWW-Authenticate header."""

    def __init__(self, detail: str, *, error: str = "invalid_token") -> None:
        super().__init__(detail)
        self.bearer_error = error


class MissingBearerToken(NotAuthenticated):
    bearer_error = "invalid_request"
    default_detail = (
        "No access token was sent. Send 'Authorization: Bearer <access token>'; in the GPT editor set "
        "the Action's Authentication to OAuth."
    )


class AccessTokenAuthentication(BaseAuthentication):
    """Authenticates `Authorization: Bearer <JWT>` statelessly; `request.auth` is the VerifiedToken."""

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header:
            raise MissingBearerToken()
        if header[0].lower() != b"bearer":
            raise BearerTokenError(
                "The Authorization header must use the Bearer scheme: 'Authorization: Bearer <access token>'.",
                error="invalid_request",
            )
        if len(header) != 2:
            raise BearerTokenError(
                "The Authorization header must be exactly 'Bearer <access token>'.", error="invalid_request"
            )
        try:
            token = verify_access_token(header[1].decode("ascii"))
            ensure_not_revoked(token)
        except UnicodeDecodeError:
            raise BearerTokenError("The access token is malformed.") from None
        except InvalidAccessToken as error:
            raise BearerTokenError(str(error)) from None
        return TokenUser(token), token

    def authenticate_header(self, request) -> str:
        return f'Bearer realm="{REALM}"'
