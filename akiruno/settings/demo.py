"""`make demo`'s server: the local settings with DEBUG off, so an unknown address, a refused
action or an error shows the project's own Japanese 404/403/500 pages, not Django's English
debug page. Static files are served by WhiteNoise straight from the apps (no collectstatic)."""

from .local import *  # noqa: F403

DEBUG = False
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
