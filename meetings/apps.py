from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "会議"

    def ready(self) -> None:
        from . import blocks, permissions  # noqa: F401  (register block kinds and permission rules)
