"""Handing tasks to the broker without ever failing the request that committed them.

A request writes what is pending first (a queued Build, a Notification) and queues the task
after commit with `send`. If the broker is unreachable, `send` logs it and returns False: the
committed work stands, and reports.services.sweeper queues it again once the broker is back
(Celery beat every SWEEP_SECONDS, or `manage.py requeue_pending` from cron).

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
)


def send(task: Any, **kwargs: Any) -> bool:
    """`task.delay(**kwargs)`; False (logged, not raised) when the broker is unreachable."""
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
