"""Notifications: the in-app rows are written with the event; mail goes out after commit.

Who hears about what:
- submit   → the heads (課長) of the section's department
- forward  → the planning division's reviewers
- return   → the department (its editors, and its heads when the reviewer returned it), with
             every comment in the mail
- approve, reopen → the department
- report approval → the reviewers
- deadline reminders → the department of every section not yet forwarded

The text of a notification is rendered once, stored on the row (subject, body) and mailed from
the row, so a retried mail sends exactly what the app shows. A mail server that is down leaves
the transition committed; the Celery task retries with backoff, and the daily reminder run
queues again whatever gave up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from reports.models import (
    AnnualReport,
    DeadlineReminder,
    Notification,
    ReportEvent,
    ReviewComment,
    Section,
    SectionEvent,
    User,
)
from reports.selectors_workflow import NOT_FORWARDED

logger = logging.getLogger(__name__)

# Why a notification is not mailed: its recipient has no address. Set once (with mail_failed_at)
# and final: neither the sweeper nor the daily requeue queue such a notification again.
NO_ADDRESS = "メールアドレスが登録されていないため、メールは送っていません。"


def after_commit(func: Callable[..., Any], *args: Any) -> None:
    """Call func(*args) once the transaction commits. A failure there is logged and never
    undoes the committed work. (A named function, not a partial: Django logs the failure of a
    robust callback by its __qualname__.)"""

    def callback() -> None:
        func(*args)

    callback.__qualname__ = callback.__name__ = getattr(func, "__qualname__", "callback")
    callback.func, callback.args = func, args  # type: ignore[attr-defined]
    transaction.on_commit(callback, robust=True)


# -- recipients --------------------------------------------------------------------------------


def _active() -> QuerySet[User]:
    return User.objects.filter(is_active=True)


def department_heads(department_id: int) -> QuerySet[User]:
    return _active().filter(department_id=department_id, is_head=True)


def department_members(department_id: int) -> QuerySet[User]:
    return _active().filter(department_id=department_id).filter(Q(is_editor=True) | Q(is_head=True))


def department_editors(department_id: int) -> QuerySet[User]:
    return _active().filter(department_id=department_id, is_editor=True)


def reviewers() -> QuerySet[User]:
    return _active().filter(is_reviewer=True)


def recipients_for(event: SectionEvent) -> list[User]:
    section = event.section
    A = SectionEvent.Action
    if event.action == A.SUBMIT:
        qs = department_heads(section.department_id)
    elif event.action == A.FORWARD:
        qs = reviewers()
    elif event.action == A.RETURN and event.from_state == Section.State.AWAITING_HEAD:
        qs = department_editors(section.department_id)
    elif event.action in (A.RETURN, A.APPROVE, A.REOPEN):
        qs = department_members(section.department_id)
    else:
        return []
    return list(qs.exclude(pk=event.actor_id).order_by("pk"))


# -- creating notifications --------------------------------------------------------------------


def absolute_url(path: str) -> str:
    return f"{getattr(settings, 'SITE_URL', '').rstrip('/')}{path}"


def _render(template: str, context: dict) -> tuple[str, str]:
    subject = render_to_string(f"emails/{template}_subject.txt", context)
    subject = " ".join(subject.split())[:200]
    body = render_to_string(f"emails/{template}.txt", context).strip() + "\n"
    return subject, body


def create_notifications(
    *,
    recipients: Iterable[User],
    kind: str,
    template: str,
    context: dict,
    url: str,
    section: Section | None = None,
    report: AnnualReport | None = None,
    event: SectionEvent | None = None,
) -> list[Notification]:
    """Write one notification per recipient now; mail each after the transaction commits."""
    rows = []
    for recipient in recipients:
        subject, body = _render(
            template,
            {
                **context,
                "recipient": recipient,
                "url": absolute_url(url),
                "CITY_NAME": settings.CITY_NAME,
            },
        )
        rows.append(
            Notification(
                recipient=recipient,
                kind=kind,
                section=section,
                report=report,
                event=event,
                subject=subject,
                body=body,
                url=url,
            )
        )
    if not rows:
        return []
    created = Notification.objects.bulk_create(rows)
    ids = [n.pk for n in created]
    after_commit(queue_mail, ids)
    return created


def mark_not_mailable(notification_ids: Iterable[int]) -> int:
    """Record once that these notifications cannot be mailed (no address): final."""
    return Notification.objects.filter(
        pk__in=list(notification_ids), emailed_at__isnull=True
    ).update(mail_error=NO_ADDRESS, mail_failed_at=timezone.now())


def mailable(qs: QuerySet[Notification]) -> QuerySet[Notification]:
    """Leave out the notifications marked as not mailable."""
    return qs.exclude(mail_error=NO_ADDRESS)


def queue_mail(notification_ids: list[int]) -> None:
    """Queue one mail task per notification. A broker that is down fails nothing: the rows
    are marked, and reports.services.sweeper queues them again when it is back. (A recipient
    without an address is marked as not mailable by the task, once: mark_not_mailable.)"""
    from reports.services import broker, sweeper
    from reports.tasks.notifications import send_notification_email

    unqueued: list[int] = []
    for notification_id in notification_ids:
        if unqueued or not broker.send(send_notification_email, notification_id=notification_id):
            unqueued.append(notification_id)
    if unqueued:
        sweeper.mark_mail_unqueued(unqueued)


def section_url(section: Section) -> str:
    return reverse("workflow-section-review", args=[section.pk])


def notify_section_event(
    *, event: SectionEvent, comments: list[ReviewComment] | None = None
) -> list[Notification]:
    section = event.section
    context = {
        "section": section,
        "event": event,
        "actor": event.actor,
        "report": section.report,
        "general": [c for c in comments or [] if c.is_general],
        "pinned": [c for c in comments or [] if not c.is_general],
    }
    return create_notifications(
        recipients=recipients_for(event),
        kind=event.action,
        template=f"section_{event.action}",
        context=context,
        url=section_url(section),
        section=section,
        report=section.report,
        event=event,
    )


def notify_report_event(*, event: ReportEvent) -> list[Notification]:
    if event.action != ReportEvent.Action.APPROVE:
        return []
    report = event.report
    return create_notifications(
        recipients=reviewers().exclude(pk=event.actor_id).order_by("pk"),
        kind=Notification.Kind.REPORT_APPROVE,
        template="report_approve",
        context={"report": report, "event": event, "actor": event.actor},
        url=reverse("workflow-report-approval", args=[report.fiscal_year]),
        report=report,
    )


# -- reading and marking -----------------------------------------------------------------------


def unread_count(user: User) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def mark_read(*, user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (all of them when no ids are given)."""
    qs = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())


# -- mail --------------------------------------------------------------------------------------


def deliver_notification_email(*, notification_id: int) -> bool:
    """Send one notification by mail unless it was sent already. Raises on SMTP errors.

    Returns True when a mail was sent now. Safe to run twice: a sent notification is skipped.
    """
    notification = (
        Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    )
    if notification is None or notification.emailed_at is not None:
        return False
    address = notification.recipient.email
    if not address:
        mark_not_mailable([notification_id])
        return False
    Notification.objects.filter(pk=notification_id).update(mail_attempts=F("mail_attempts") + 1)
    try:
        EmailMessage(
            subject=notification.subject,
            body=notification.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
        ).send(fail_silently=False)
    except Exception as exc:
        Notification.objects.filter(pk=notification_id).update(
            mail_error=f"{type(exc).__name__}: {exc}"[:500], mail_failed_at=timezone.now()
        )
        raise
    Notification.objects.filter(pk=notification_id).update(
        emailed_at=timezone.now(), mail_error="", mail_failed_at=None
    )
    return True


def requeue_undelivered_mail(*, quiet_for: timedelta = timedelta(hours=2)) -> int:
    """Queue again the mails that failed and have not been tried for `quiet_for`.

    A task still retrying has failed within the last hour (the longest backoff), so only mail
    whose retries gave up, or that an eager run could not retry, is queued again.
    """
    cutoff = timezone.now() - quiet_for
    ids = list(
        mailable(Notification.objects.filter(emailed_at__isnull=True, mail_failed_at__lt=cutoff))
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )
    if ids:
        after_commit(queue_mail, ids)
    return len(ids)


# -- deadline reminders ------------------------------------------------------------------------


def reminder_kind(deadline: date, today: date) -> str | None:
    """Which reminder is due today: N days before the deadline, then the day after it and
    every N days after that (N = settings.REMINDER_DAYS_BEFORE), or None."""
    n = max(int(settings.REMINDER_DAYS_BEFORE), 1)
    delta = (today - deadline).days
    if delta == -n:
        return DeadlineReminder.Kind.BEFORE
    if delta == 1 or (delta > 1 and delta % n == 0):
        return DeadlineReminder.Kind.OVERDUE
    return None


def send_deadline_reminders(*, today: date | None = None) -> int:
    """Remind the departments whose sections are not yet forwarded. Idempotent per
    (section, kind, day): running it twice on one day sends nothing the second time."""
    today = today or timezone.localdate()
    sent = 0
    reports = AnnualReport.objects.filter(
        state=AnnualReport.State.PREPARING, deadline__isnull=False
    )
    for report in reports:
        kind = reminder_kind(report.deadline, today)
        if kind is None:
            continue
        sections = Section.objects.filter(report=report, state__in=NOT_FORWARDED).select_related(
            "department", "report"
        )
        for section in sections:
            try:
                with transaction.atomic():
                    DeadlineReminder.objects.create(section=section, kind=kind, day=today)
                    _remind(section, kind, today)
            except IntegrityError:
                continue  # already reminded today
            sent += 1
    return sent


def _remind(section: Section, kind: str, today: date) -> None:
    if section.state == Section.State.AWAITING_HEAD:
        recipients = department_heads(section.department_id)
    else:
        recipients = department_members(section.department_id)
    deadline = section.report.deadline
    create_notifications(
        recipients=list(recipients.order_by("pk")),
        kind=(
            Notification.Kind.REMINDER_BEFORE
            if kind == DeadlineReminder.Kind.BEFORE
            else Notification.Kind.REMINDER_OVERDUE
        ),
        template=f"reminder_{kind}",
        context={
            "section": section,
            "report": section.report,
            "deadline": deadline,
            "days_left": (deadline - today).days,
            "days_overdue": (today - deadline).days,
        },
        url=section_url(section),
        section=section,
        report=section.report,
    )
