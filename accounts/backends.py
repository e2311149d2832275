"""Authenticate by e-mail address, compared in its normalized spelling (accounts.emails)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from accounts.emails import normalize_email


class EmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        email = username if username is not None else kwargs.get("email")
        if not email or password is None:
            return None
        User = get_user_model()
        try:
            user = User.objects.get(email=normalize_email(email))
        except User.DoesNotExist:
            # Hash anyway so an unknown address takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
