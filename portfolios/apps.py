from django.apps import AppConfig


class PortfoliosConfig(AppConfig):
    name = "portfolios"
    verbose_name = "Portfolios and loans"

    def ready(self):
        from noteinvest.access import Role
        from noteinvest.navigation import register
        from portfolios import signals  # noqa: F401 - connects the receivers

        register(
            order=10, label="Portfolios", url_name="portfolios:list", key="portfolios",
            roles={Role.INVESTOR, Role.STAFF},
        )  # fmt: skip
