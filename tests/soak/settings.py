"""Settings of the soak suite: the pytest process, gunicorn and the Celery workers alike.

The base settings with a real broker (the soak's own redis-server on SOAK_PORT_BASE + 1), the
media store under var/soak/, a short lease on running builds and a fast sweeper, so that the
fault tests finish in seconds. The pytest process creates `<DATABASE_URL's name>_soak` as its
test database; the servers it starts are pointed at that database by DATABASE_URL.
"""

import os
from pathlib import Path

from akiruno.settings.base import *  # noqa: F403
from akiruno.settings.base import BASE_DIR, DATABASES

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

SOAK_PORT_BASE = int(os.environ.get("SOAK_PORT_BASE", "8790"))
SOAK_HTTP_PORT = SOAK_PORT_BASE
SOAK_REDIS_PORT = SOAK_PORT_BASE + 1
SOAK_VAR = Path(os.environ.get("SOAK_VAR", BASE_DIR / "var" / "soak"))

# The restore drill (tests/soak/test_restore.py) serves a restored copy from a media folder
# of its own.
MEDIA_ROOT = Path(os.environ.get("SOAK_MEDIA_ROOT", SOAK_VAR / "media"))
STATIC_ROOT = SOAK_VAR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["TEST"] = {"NAME": f"{DATABASES['default']['NAME']}_soak"}

CELERY_BROKER_URL = os.environ.get("SOAK_BROKER_URL", f"redis://127.0.0.1:{SOAK_REDIS_PORT}/0")
CELERY_RESULT_BACKEND = CELERY_BROKER_URL
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = "akiruno-soak"

# A running build whose worker has not been heard of for this long may be taken over.
ASSEMBLY_STALE_SECONDS = int(os.environ.get("ASSEMBLY_STALE_SECONDS", "20"))
