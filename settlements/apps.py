from django.apps import AppConfig


class SettlementsConfig(AppConfig):
    name = "settlements"
    verbose_name = "Settlements"

    def ready(self):
        from django.db.models.signals import post_migrate

        from noteinvest.access import Role
        from noteinvest.navigation import register
        from portfolios.panels import loan_panel
        from settlements import views

        loan_panel(views.loan_panel)
        post_migrate.connect(ensure_clause_library, sender=self)
        register(
            order=25, label="Settlements", url_name="settlements:list", key="settlements",
            roles={Role.STAFF, Role.INVESTOR},
        )  # fmt: skip
        register(
            order=26, label="Review queue", url_name="settlements:list", key="reviews",
            roles={Role.ATTORNEY},
        )  # fmt: skip
        register(
            order=27, label="Clause library", url_name="settlements:clauses", key="clauses",
            roles={Role.STAFF, Role.ATTORNEY},
        )  # fmt: skip


def ensure_clause_library(sender=None, using="default", **kwargs):
    """post_migrate: an empty clause library (after a flush: every transactional test, the
    browser tests) is seeded again, as migration 0014 seeds it; an edited library is left as
    it is."""
    from django.db import connections

    from settlements.library import sync_seed
    from settlements.models import ClauseVersion

    if ClauseVersion._meta.db_table not in connections[using].introspection.table_names():
        return  # migrated back to before the library
    if not ClauseVersion.objects.using(using).exists():
        sync_seed(ClauseVersion)
