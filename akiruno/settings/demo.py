"""`make demo`'s server: the local settings with DEBUG off, so an unknown address, a refused
action or an error shows the project's own Japanese 404/403/500 pages, not Django's English
debug page. Static files are served by WhiteNoise straight from the apps (no collectstatic).
Without a broker, tasks run on a background thread: approving the report answers at once and
the builds page shows the build's progress, as with a worker."""

from .local import *  # noqa: F403
from .local import CELERY_BROKER_URL

TASKS_IN_BACKGROUND = not CELERY_BROKER_URL

DEBUG = False
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
