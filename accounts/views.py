"""Login by e-mail address, the password-reset request; the other account pages are Django's."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.shortcuts import render

from accounts import reset
from accounts.clientip import client_ip
from accounts.emails import normalize_email
from accounts.forms import EmailAuthenticationForm, PasswordResetForm


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link: the same quick answer whether or not the address has an account.

    The lookup and the mail happen after the response, on a background thread, and the
    requests are throttled per client and per address (accounts.reset); over a limit
    the answer is the same page and nothing is mailed.
    """

    form_class = PasswordResetForm

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        if reset.allow_reset_request(email, client_ip(self.request)):
            reset.send_reset_link_later(
                email, domain=self.request.get_host(), use_https=self.request.is_secure()
            )
        return HttpResponseRedirect(self.get_success_url())


def locked_out(request, original_response=None, credentials=None):
    """Axes' lockout response: 429 with the lock's length, same for any username."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "lockout_minutes": minutes}
    return render(request, "registration/locked_out.html", context, status=429)


# django-axes keeps the key in a 255-character column.
THROTTLE_KEY_LENGTH = 255


def throttle_key(request, credentials=None):
    """The name failures are counted under: the typed e-mail in its normalized spelling.

    The same `normalize_email` as the account lookup, so every spelling that reaches an
    account (case, 'ſ' for 's', full-width letters...) counts against the same lock. NFKC
    can lengthen text (one ligature becomes three letters); such a key cannot be a
    stored address (254 characters at most) and is cut to fit axes' column.
    """
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = request.POST.get("username", "")
    return normalize_email(raw)[:THROTTLE_KEY_LENGTH]
