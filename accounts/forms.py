from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import AllowAllUsersModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from accounts.federation.selectors import identity_provider_forbidding_password


class LoginForm(AuthenticationForm):
    """Django's sign-in form that, after a correct password, says when the account is disabled."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That username and password do not match. Check both (they are case-sensitive) and try again.",
        "inactive": "This account is disabled. Ask your administrator to enable it again.",
    }

    def confirm_login_allowed(self, user) -> None:
        """A user of a domain whose IdP the admin made mandatory must sign in there, not with a password."""
        super().confirm_login_allowed(user)
        identity_provider = identity_provider_forbidding_password(user)
        if identity_provider is not None:
            raise ValidationError(
                f"Your company signs you in with {identity_provider.name}: choose “Sign in with "
                f"{identity_provider.name}” or type your work email.",
                code="federated_only",
            )

    def clean(self):
        try:
            return super().clean()
        except ValidationError as error:
            if error.code == "invalid_login" and self._is_inactive_account_with_correct_password():
                raise ValidationError(self.error_messages["inactive"], code="inactive") from None
            raise

    def _is_inactive_account_with_correct_password(self) -> bool:
        # The normal backend refuses inactive users before checking the password; this one
        # checks it, so only someone who knows the password learns that the account is disabled.
        user = AllowAllUsersModelBackend().authenticate(
            self.request, username=self.cleaned_data.get("username"), password=self.cleaned_data.get("password")
        )
        return isinstance(user, get_user_model()) and not user.is_active
