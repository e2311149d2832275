"""Role bookkeeping that needs the database: assigning roles, Staff's admin rights."""

from django.contrib.auth.models import Group, Permission

from noteinvest.access import Role

# Staff manage accounts in the admin site; nothing else there is theirs by default. These
# are model-wide; which accounts and fields staff may change is narrowed per object in
# accounts.admin (investor accounts; of attorney accounts only the active flag and a reset
# link to the address on file; never a password typed for anyone, never the Staff or the
# Attorney role). No delete_user: accounts are deactivated, not deleted.
STAFF_ADMIN_PERMISSIONS = ["add_user", "change_user", "view_user", "view_group"]

# The roles staff may give or take away in the admin site. Staff and Attorney only a
# superuser gives: Staff manages accounts, and Attorney is a reviewing power (an attorney
# approves what staff draft, so staff must not be able to mint or take over a reviewer).
STAFF_ASSIGNABLE_ROLES = (Role.INVESTOR,)


def is_privileged(user) -> bool:
    """Superusers and staff: accounts that only a superuser manages."""
    return user.is_superuser or user.is_staff or user.groups.filter(name=Role.STAFF.value).exists()


def holds_reviewing_role(user) -> bool:
    """Does `user` hold the Attorney role (reviews and approves what staff draft)?"""
    return user.pk is not None and user.groups.filter(name=Role.ATTORNEY.value).exists()


def may_manage(actor, user) -> bool:
    """May `actor` deactivate `user` or mail a reset link to the address on file?

    A superuser may manage anyone; anyone else only accounts that are not privileged (so
    not their own either: a staff member's own account is limited in accounts.admin).
    """
    return actor.is_superuser or not is_privileged(user)


def may_edit(actor, user) -> bool:
    """May `actor` change `user`'s e-mail address, name and roles?

    As `may_manage`, but an account holding the Attorney role is a superuser's alone:
    whoever changes a reviewer's address can have its reset link mailed to a mailbox of
    their own and approve their own drafts with it.
    """
    return actor.is_superuser or (may_manage(actor, user) and not holds_reviewing_role(user))


def ensure_roles(sender=None, using="default", **kwargs):
    """post_migrate: the role groups exist and Staff may manage accounts in the admin site.

    The groups come from a data migration; this also restores them after a database
    flush (which re-sends post_migrate), and keeps Staff's admin permissions current.
    """
    groups = {role: Group.objects.using(using).get_or_create(name=role.value)[0] for role in Role}
    perms = Permission.objects.using(using).filter(
        content_type__app_label__in=["accounts", "auth"], codename__in=STAFF_ADMIN_PERMISSIONS
    )
    groups[Role.STAFF].permissions.add(*perms)


def assign_role(user, role: Role) -> None:
    """Give `user` a role; Staff also get admin-site access to manage accounts."""
    user.groups.add(Group.objects.get(name=role.value))
    if role is Role.STAFF and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.__dict__.pop("_noteinvest_roles", None)


def bump_roles_version(user_ids) -> None:
    """Record that these users' roles changed: a session re-reads them on its next request
    (accounts.middleware). An UPDATE with + 1, so two changes never share a stamp."""
    from django.db.models import F

    from accounts.models import User

    ids = {pk for pk in user_ids if pk is not None}
    if ids:
        User.objects.filter(pk__in=ids).update(roles_version=F("roles_version") + 1)
