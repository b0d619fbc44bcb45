"""Workflow notification tasks (mail on transitions, deadline reminders).

Both take ids or nothing, call a service and are safe to run twice.
"""

from __future__ import annotations

import smtplib

from celery import shared_task

from reports.services import notifications, sweeper

__all__ = ["requeue_pending", "send_deadline_reminders", "send_notification_email"]

MAIL_MAX_RETRIES = 8


@shared_task(
    name="reports.tasks.send_notification_email",
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=30,
    retry_backoff_max=60 * 60,
    retry_jitter=True,
    max_retries=MAIL_MAX_RETRIES,
    acks_late=True,
    # Queued by the web side, which never waits for the result (see reports.tasks.assembly).
    ignore_result=True,
)
def send_notification_email(*, notification_id: int) -> bool:
    """Mail one notification; SMTP and network errors are retried with backoff."""
    return notifications.deliver_notification_email(notification_id=notification_id)


@shared_task(name="reports.tasks.send_deadline_reminders")
def send_deadline_reminders() -> int:
    """Daily (Celery beat): remind departments of the deadline; requeue mail that gave up."""
    sent = notifications.send_deadline_reminders()
    notifications.requeue_undelivered_mail()
    return sent


@shared_task(name="reports.tasks.requeue_pending")
def requeue_pending() -> dict[str, int]:
    """Every SWEEP_SECONDS (Celery beat): queue again the builds and mails committed as pending
    that never reached a worker, and take over builds whose worker died."""
    return sweeper.sweep()
