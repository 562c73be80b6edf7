from __future__ import annotations

from dataclasses import dataclass

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied

from actions_api.bearer import BearerPipeline, BearerRefusal
from actions_api.token_verification import VerifiedToken
from roles.conf import rolegate_settings

#: The REST API's pipeline: tokens for ``API_AUDIENCE`` only.
rest_bearer = BearerPipeline(audience=lambda: rolegate_settings.API_AUDIENCE)


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
    """A 401 that carries the pipeline's refusal, for the problem document and its challenge."""

    def __init__(self, refusal: BearerRefusal) -> None:
        super().__init__(refusal.description)
        self.refusal = refusal


class AccessTokenAuthentication(BaseAuthentication):
    """Authenticates `Authorization: Bearer <JWT>` statelessly; `request.auth` is the VerifiedToken."""

    def authenticate(self, request):
        try:
            token = rest_bearer.authenticate(get_authorization_header(request))
        except BearerRefusal as refusal:
            if refusal.status == 403:
                raise PermissionDenied(refusal.description, code=refusal.error) from None
            raise BearerTokenError(refusal) from None
        return None if token is None else (TokenUser(token), token)

    def authenticate_header(self, request) -> str:
        return rest_bearer.challenge()
