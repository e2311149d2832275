"""Signal handlers of the accounts app (connected in AccountsConfig.ready)."""

from axes.utils import reset as reset_attempts

from accounts.emails import normalize_email
from accounts.roles import bump_roles_version
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


# Roles are groups: every way a user's groups change through the ORM moves the user's
# roles_version, inside the transaction of the change, so the roles a session keeps
# (accounts.middleware) are read again on its next request: a membership added or removed
# (add, remove, set, clear, from either side: the admin uses them), a group renamed (its name
# is the role) or deleted. Django sends no delete signal for the rows of an automatic
# many-to-many table, so deleting those rows directly is seen by none of these; the
# middleware's recheck bounds that, as it bounds raw SQL.


def groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action in ("post_add", "post_remove", "post_clear") and not reverse:
        bump_roles_version([instance.pk])
    elif action in ("post_add", "post_remove") and reverse:
        bump_roles_version(pk_set or ())
    elif action == "pre_clear" and reverse:  # the group's members, before they are gone
        bump_roles_version(instance.user_set.values_list("pk", flat=True))


def group_saved(sender, instance, created, **kwargs):
    if not created:
        bump_roles_version(instance.user_set.values_list("pk", flat=True))


def group_deleted(sender, instance, **kwargs):
    bump_roles_version(instance.user_set.values_list("pk", flat=True))
