from django import forms


class CodeForm(forms.Form):
    """A six-digit code from an authenticator app, or a recovery code."""

    code = forms.CharField(max_length=32, strip=True)
