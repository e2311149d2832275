from django.apps import AppConfig


class SettlementsConfig(AppConfig):
    name = "settlements"
    verbose_name = "Settlements"

    def ready(self):
        from noteinvest.access import Role
        from noteinvest.navigation import register
        from portfolios.panels import loan_panel
        from settlements import views

        loan_panel(views.loan_panel)
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
