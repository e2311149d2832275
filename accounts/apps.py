from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from accounts.roles import ensure_roles
        from accounts.signals import reset_own_login_failures

        post_migrate.connect(ensure_roles, sender=self)
        user_logged_in.connect(reset_own_login_failures, dispatch_uid="accounts-reset-own-failures")
