from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = "財政"

    def ready(self) -> None:
        from . import blocks, rules  # noqa: F401  (block kinds register on import)

        rules.register()
