"""Signal handlers of the accounts app (connected in AccountsConfig.ready)."""

from axes.utils import reset as reset_attempts

from accounts.emails import normalize_email
from accounts.views import THROTTLE_KEY_LENGTH


def reset_own_login_failures(sender, request, user, **kwargs):
    """A successful log-in clears the failures recorded under this account's own key only.

    Axes' AXES_RESET_ON_SUCCESS would delete every attempt from the client's address too,
    so one good log-in to an attacker's own account would wipe the failures they piled up
    against someone else's from the same address. Here only the attempts under the
    account's normalized address (the key accounts.views.throttle_key gives every spelling
    of it) are deleted; failures against other addresses keep counting, for their address
    and for the client's.
    """
    key = normalize_email(user.get_username())[:THROTTLE_KEY_LENGTH]
    if key:
        reset_attempts(username=key)
