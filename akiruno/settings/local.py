"""Development and demo: DEBUG on, embedded defaults."""

from .base import *  # noqa: F403
from .base import CELERY_BROKER_URL, LOGGING, env_bool

DEBUG = env_bool("DEBUG", True)

from .base import STATIC_ROOT  # noqa: E402

STATIC_ROOT.mkdir(parents=True, exist_ok=True)

if not CELERY_BROKER_URL:
    # Without a broker tasks run in-process: say nothing of the broker that is not there and
    # do not print every task's result (a build's result lists every anchor of the report).
    LOGGING["loggers"].update(
        {"kombu": {"level": "ERROR"}, "celery.app.trace": {"level": "WARNING"}}
    )
