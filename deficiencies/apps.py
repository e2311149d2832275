from django.apps import AppConfig


class DeficienciesConfig(AppConfig):
    name = "deficiencies"
    verbose_name = "Deficiencies"
