"""Login by e-mail address; the other account pages are Django's own."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import render

from accounts.emails import normalize_email
from accounts.forms import EmailAuthenticationForm


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True


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
