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
before.
"""

from __future__ import annotations

import logging
from typing import Any

import redis.exceptions
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
