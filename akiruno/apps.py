from django.apps import AppConfig


class AkirunoConfig(AppConfig):
    name = "akiruno"
    verbose_name = "基盤"

    def ready(self) -> None:
        from .tokens import register_rules

        register_rules()
