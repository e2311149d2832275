from django.apps import AppConfig


class DeficienciesConfig(AppConfig):
    name = "deficiencies"
    verbose_name = "Deficiencies"

    def ready(self):
        from deficiencies import views
        from noteinvest.access import Role
        from noteinvest.navigation import register
        from portfolios.panels import loan_panel, portfolio_links

        loan_panel(views.loan_panel)
        portfolio_links(views.portfolio_links)
        register(
            order=20, label="Deadlines", url_name="deficiencies:deadlines", key="deadlines",
            roles={Role.INVESTOR, Role.STAFF},
        )  # fmt: skip
        register(
            order=30, label="State rules", url_name="deficiencies:rules", key="rules",
            roles=set(Role),
        )  # fmt: skip
