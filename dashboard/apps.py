from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Home pages"

    def ready(self):
        from dashboard.queues import waiting_count
        from noteinvest.navigation import register_count

        # Home shows how much waits on the user (their queues), refreshed once a minute.
        register_count("home", waiting_count)
