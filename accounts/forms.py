"""The login form: an e-mail address and a password."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="E-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        # One message for an unknown address and a wrong password: no hint which.
        "invalid_login": "That e-mail address and password do not match an active account.",
        "inactive": "That e-mail address and password do not match an active account.",
    }
