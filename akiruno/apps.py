from django.apps import AppConfig


class AkirunoConfig(AppConfig):
    name = "akiruno"
    verbose_name = "基盤"
