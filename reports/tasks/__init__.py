"""Celery tasks of the reports app, one module per area; imported here for autodiscovery."""

from .assembly import *  # noqa: F403
from .notifications import *  # noqa: F403
