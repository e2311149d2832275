from django.apps import AppConfig


class PortfoliosConfig(AppConfig):
    name = "portfolios"
    verbose_name = "Portfolios and loans"

    def ready(self):
        from portfolios import signals  # noqa: F401 - connects the receivers
