"""The project package: settings, Celery app, URLs and the Japanese conventions."""

from .celery import app as celery_app

__all__ = ("celery_app",)
