from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from django.contrib.auth.models import Group
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import m2m_changed, post_save, pre_delete

        from accounts.models import User
        from accounts.roles import ensure_roles
        from accounts.signals import (
            group_deleted,
            group_saved,
            groups_changed,
            reset_own_login_failures,
        )

        post_migrate.connect(ensure_roles, sender=self)
        user_logged_in.connect(reset_own_login_failures, dispatch_uid="accounts-reset-own-failures")
        # A change of roles moves the user's roles_version (accounts.middleware).
        m2m_changed.connect(
            groups_changed, sender=User.groups.through, dispatch_uid="accounts-groups-changed"
        )
        post_save.connect(group_saved, sender=Group, dispatch_uid="accounts-group-saved")
        pre_delete.connect(group_deleted, sender=Group, dispatch_uid="accounts-group-deleted")
