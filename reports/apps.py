from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "事務報告書"

    def ready(self) -> None:
        from .blocks import autodiscover
        from .policy_rules import register_rules
        from .services import (
            publication,  # noqa: F401  (registers the rules for builds)
            workflow,  # noqa: F401  (registers the approve guard)
        )

        autodiscover()  # every app's block kinds: reports/blocks/<kind>.py …
        register_rules()
