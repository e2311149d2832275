"""The login form (an e-mail address and a password) and the password-reset request."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm

from accounts.emails import normalize_email


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


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, finding the account by its normalized address.

    Unlike Django's, an account without a usable password gets a link too: here that
    means its password was never set (accounts created by staff or with create_user
    --no-input), and the link is how its owner sets one.
    """

    email = forms.EmailField(
        label="E-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def get_users(self, email):
        from accounts.models import User

        return User.objects.filter(email=normalize_email(email), is_active=True)
