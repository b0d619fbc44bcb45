"""Handing tasks to the broker without ever failing the request that committed them.

A request writes what is pending first (a queued Build, a Notification) and queues the task
after commit with `send`. If the broker is unreachable, `send` logs it and returns False: the
committed work stands, and reports.services.sweeper queues it again once the broker is back
(Celery beat every SWEEP_SECONDS, or `manage.py requeue_pending` from cron).

Nobody waits for the result of the tasks queued here, so they are declared `ignore_result=True`
(reports.tasks): with a Redis result backend, Celery would otherwise subscribe to the result
channel before publishing, and when Redis is down it retries that for about 40 s and then raises
RuntimeError ("Retry limit exceeded ... result store"). Publishing itself retries briefly
(CELERY_TASK_PUBLISH_RETRY_POLICY, CELERY_BROKER_CONNECTION_TIMEOUT), so a request answers within
a few seconds.

In eager mode (no broker configured) the task runs in-process and its errors propagate as
before. `make demo` sets TASKS_IN_BACKGROUND: there the task runs in-process on a thread of its
own, so that approving the report answers at once and the builds page shows the build's
progress, as it does with a real worker.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import redis.exceptions
from django.conf import settings
from django.db import connections
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# What publishing a message raises when Redis is down, refuses us or does not answer.
BROKER_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionError,
    TimeoutError,
    OSError,
    # The Redis result backend gives up reconnecting with a RuntimeError (celery.backends.
    # asynchronous.E_RETRY_LIMIT_EXCEEDED). Not eager, so never an error of the task itself.
    RuntimeError,
)


def send(task: Any, **kwargs: Any) -> bool:
    """`task.delay(**kwargs)`; False (logged, not raised) when the broker or the result backend
    is unreachable."""
    app = getattr(task, "app", None)
    if app is not None and app.conf.task_always_eager and settings.TASKS_IN_BACKGROUND:
        run_in_background(task, **kwargs)
        return True
    try:
        task.delay(**kwargs)
    except BROKER_ERRORS as exc:
        app = getattr(task, "app", None)
        if app is not None and app.conf.task_always_eager:
            raise  # an error of the task itself, run in-process
        logger.warning(
            "broker: could not queue %s(%s); the sweeper will queue it again: %s",
            getattr(task, "name", task),
            ", ".join(f"{k}={v!r}" for k, v in kwargs.items()),
            exc,
        )
        return False
    return True


def run_in_background(task: Any, **kwargs: Any) -> threading.Thread:
    """Run an eager task on a thread of its own (the demo's stand-in for a worker).

    The task records its own outcome (a build is marked failed, a notification keeps its mail
    error), so an exception is logged here, not raised into a request that has already
    answered. The thread closes its database connections when it ends.
    """

    def run() -> None:
        try:
            task.apply(kwargs=kwargs)
        except Exception:
            logger.exception("background task %s failed", getattr(task, "name", task))
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name=f"task:{getattr(task, 'name', task)}", daemon=True)
    thread.start()
    return thread
