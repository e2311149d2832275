"""The signed-in user's roles read once per session, and again whenever they change.

Every page asks for the user's roles (navigation, access checks). Reading the groups is a
query; the session is read anyway (it names the user), so the roles are kept there with
the user's roles_version, which every change of their groups moves forward
(accounts.signals). A request whose user row shows another stamp reads the groups again,
so a removed role is gone on the next request. The session is server-side data: the user
cannot edit it, and an old copy of it carries an old stamp.
"""

import time

from django.contrib.auth.middleware import get_user
from django.utils.functional import SimpleLazyObject

from noteinvest.access import Role, roles_of

SESSION_KEY = "_noteinvest_roles"
# The cached roles are read again after this long even without a change of stamp: a change
# made where no signal sees it (raw SQL, QuerySet.update() of a group's name) is bounded too.
RECHECK_SECONDS = 60


def attach_roles(request, user):
    """Give `user` (request's signed-in user) their roles from the session, or read them
    and keep them there; returns `user`."""
    if not user.is_authenticated or not user.is_active:
        return user
    now = int(time.time())
    saved = request.session.get(SESSION_KEY)
    if (
        isinstance(saved, list)
        and len(saved) == 4
        and saved[0] == user.pk
        and saved[1] == user.roles_version
        and 0 <= now - saved[2] < RECHECK_SECONDS
        and all(name in Role for name in saved[3])
    ):
        user._noteinvest_roles = frozenset(Role(name) for name in saved[3])
    else:
        # The stamp was read with the user, before the groups: a change after that moves
        # the stamp past the one stored here, and the next request reads them again.
        request.session[SESSION_KEY] = [
            user.pk, user.roles_version, now, sorted(r.value for r in roles_of(user))
        ]  # fmt: skip
    return user


class SessionRolesMiddleware:
    """After AuthenticationMiddleware: request.user (still loaded lazily) carries its roles."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.user = SimpleLazyObject(lambda: attach_roles(request, get_user(request)))
        return self.get_response(request)
