from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class BackgroundConfig(AppConfig):
    name = "background"
    verbose_name = "Background work"

    def ready(self):
        # Every app's tasks module: its tasks, and their recovery hooks, known to a worker
        # before it recovers a lost task.
        autodiscover_modules("tasks")
