"""The sweeper: queue again what was committed as pending but never reached a worker.

Run by Celery beat every SWEEP_SECONDS (reports.tasks.requeue_pending) and usable from cron
(`manage.py requeue_pending`). Queued work older than the grace period (QUEUE_SWEEP_GRACE_SECONDS)
is handed to the broker again:

- a build still 待機中 (queued): its task was lost (the broker was down, or restarted without
  its queue);
- a running build whose worker has not been heard of for ASSEMBLY_STALE_SECONDS: the worker
  died; the build is set back to queued (compare-and-set) and a new run takes it over;
- an approved report with no queued or running build (approved before the build was recorded,
  or a crash between commit and queueing);
- a notification whose mail could not be queued (mail_failed_at set, never attempted), unless
  it is marked as not mailable (no address: reports.services.notifications.NO_ADDRESS), which
  is final.

Nothing is built or mailed twice: a build is claimed by compare-and-set and a superseded run's
writes are discarded (reports.services.assembly), a duplicated task finds nothing to do, and a
mail already sent is skipped (reports.services.notifications.deliver_notification_email).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from reports.models import AnnualReport, Build, Notification
from reports.services import broker

logger = logging.getLogger(__name__)

QUEUE_ERROR = "メールを配信の待ち行列に入れられませんでした（自動で再送します）。"


def grace() -> int:
    return int(getattr(settings, "QUEUE_SWEEP_GRACE_SECONDS", 120))


def _send_build(build: Build) -> bool:
    from reports.tasks.assembly import assemble_preview, assemble_report

    if build.kind == Build.Kind.PREVIEW:
        return broker.send(assemble_preview, build_id=build.pk)
    return broker.send(assemble_report, report_id=build.report_id, build_id=build.pk)


def sweep(*, grace_seconds: int | None = None) -> dict[str, int]:
    """Queue again what is pending. Returns how many builds, reports and mails were queued,
    and how many could not be (the broker is still down: the next run tries again)."""
    from reports.services.assembly import stale_after
    from reports.services.notifications import NO_ADDRESS, mailable
    from reports.tasks.assembly import assemble_report
    from reports.tasks.notifications import send_notification_email

    now = timezone.now()
    cutoff = now - timedelta(seconds=grace() if grace_seconds is None else grace_seconds)
    counted = {"builds": 0, "reports": 0, "mails": 0, "failed": 0}

    def down() -> bool:
        return counted["failed"] > 0

    # Running builds whose worker stopped answering: back to queued, then like any queued one.
    stale = list(
        Build.objects.filter(
            status=Build.Status.RUNNING,
            published_at__isnull=True,
            heartbeat_at__lt=now - stale_after(),
        ).values_list("pk", flat=True)
    )
    for pk in stale:
        taken = Build.objects.filter(
            pk=pk, status=Build.Status.RUNNING, heartbeat_at__lt=now - stale_after()
        ).update(status=Build.Status.QUEUED, phase=Build.Phase.WAITING, task_id="")
        if taken:
            logger.warning("sweeper: build %s stopped answering; queued for a takeover", pk)
    queued = (
        Build.objects.filter(status=Build.Status.QUEUED, published_at__isnull=True)
        .filter(
            Q(pk__in=stale)
            | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
            | Q(heartbeat_at__lt=cutoff)
        )
        .order_by("pk")
    )
    for build in queued:
        if down() or not _send_build(build):
            counted["failed"] += 1
            continue
        # When it was last queued: the next sweep leaves it alone for the grace period.
        Build.objects.filter(pk=build.pk, status=Build.Status.QUEUED).update(heartbeat_at=now)
        counted["builds"] += 1

    active = Build.objects.filter(
        report=OuterRef("pk"),
        kind=Build.Kind.RELEASE,
        status__in=[Build.Status.QUEUED, Build.Status.RUNNING],
    )
    failed_since = Build.objects.filter(
        report=OuterRef("pk"),
        kind=Build.Kind.RELEASE,
        status=Build.Status.FAILED,
        finished_at__gte=OuterRef("approved_at"),
    )
    orphans = (
        AnnualReport.objects.filter(state=AnnualReport.State.APPROVED, approved_at__lt=cutoff)
        .filter(~Exists(active), ~Exists(failed_since))
        .order_by("pk")
    )
    for report in orphans:
        if down() or not broker.send(
            assemble_report, report_id=report.pk, requested_by_id=report.approved_by_id
        ):
            counted["failed"] += 1
            continue
        counted["reports"] += 1

    mails = list(
        mailable(
            Notification.objects.filter(
                emailed_at__isnull=True, mail_attempts=0, mail_failed_at__lt=cutoff
            )
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )
    for pk in mails:
        if down() or not broker.send(send_notification_email, notification_id=pk):
            counted["failed"] += 1
            continue
        Notification.objects.filter(pk=pk, emailed_at__isnull=True).exclude(
            mail_error=NO_ADDRESS
        ).update(mail_failed_at=now)
        counted["mails"] += 1
    if any(counted.values()):
        logger.info("sweeper: %s", counted)
    return counted


def mark_mail_unqueued(notification_ids: list[int]) -> None:
    """Record that these mails could not be queued, for the sweeper."""
    Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True).update(
        mail_failed_at=timezone.now(), mail_error=QUEUE_ERROR
    )
