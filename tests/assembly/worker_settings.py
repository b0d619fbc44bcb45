"""Settings of the Celery worker that tests/assembly/test_worker.py starts.

The test settings, plus the test process's MEDIA_ROOT (so both see the same build files) and a
queue of the test's own (so the worker takes nothing else from a shared broker).
"""

import os
from pathlib import Path

from akiruno.settings.test import *  # noqa: F403

MEDIA_ROOT = Path(os.environ["AKIRUNO_TEST_MEDIA_ROOT"])
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("AKIRUNO_TEST_QUEUE", "celery")
