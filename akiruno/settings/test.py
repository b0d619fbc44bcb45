"""Tests: the embedded default unless DATABASE_URL / CELERY_BROKER_URL say otherwise."""

import os

from .base import *  # noqa: F403
from .base import VAR_DIR

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = VAR_DIR / "test-media" / str(os.getpid())
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STATIC_ROOT = VAR_DIR / "test-static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Workflow: concurrency tests run real threads. SQLite's shared in-memory test database fails
# at once with "database table is locked" instead of waiting, so the tests use a file of their own.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"akiruno-test-{os.getpid()}.sqlite3")
    }

# Tests run tasks in-process even when a broker is configured (the PostgreSQL CI run): a test
# that waits on a task result must not wait for a worker that is not there. The one test that
# exercises a real worker over Redis (tests/assembly/test_worker.py) starts its own worker and
# turns eager mode off for its duration.
CELERY_TASK_ALWAYS_EAGER = True
