"""The broker is down (issue 19, defect 5): a request that queues a task still commits, records
what is pending and answers normally; the sweeper queues it again once the broker is back, and
nothing is built or mailed twice.

The broker is "down" by pointing Celery at a closed local port with eager mode off.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from akiruno.celery import app as celery_app
from reports.models import AnnualReport, Build, Notification, ReportEvent
from reports.services import sweeper
from tests import factories
from tests.workflow.helpers import advance, fill

pytestmark = pytest.mark.django_db(transaction=True)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _reset_connections() -> None:
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app._backend_cache = None
    celery_app._local = threading.local()


def _point_celery_at(monkeypatch, *, broker: str, backend: str | None):
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.broker_url, conf.result_backend)
    # Celery reads CELERY_BROKER_URL and CELERY_RESULT_BACKEND from the environment before its
    # own settings (the PostgreSQL CI run sets them to a live Redis), so the environment must
    # point at the closed port too.
    monkeypatch.setenv("CELERY_BROKER_URL", broker)
    if backend:
        monkeypatch.setenv("CELERY_RESULT_BACKEND", backend)
    else:
        monkeypatch.delenv("CELERY_RESULT_BACKEND", raising=False)
    conf.task_always_eager = False
    conf.broker_url = broker
    conf.result_backend = backend
    _reset_connections()

    def restore():
        conf.task_always_eager, conf.broker_url, conf.result_backend = saved
        _reset_connections()

    return restore


@pytest.fixture
def broker_down(monkeypatch):
    restore = _point_celery_at(
        monkeypatch, broker=f"redis://127.0.0.1:{_closed_port()}/0", backend=None
    )
    yield
    restore()


@pytest.fixture
def redis_down(monkeypatch):
    """Redis is stopped: the broker and the result backend (the same Redis) are both down."""
    closed = f"redis://127.0.0.1:{_closed_port()}/0"
    restore = _point_celery_at(monkeypatch, broker=closed, backend=closed)
    yield
    restore()


@pytest.fixture
def backend_down(monkeypatch):
    """The broker answers (kombu's in-memory transport) but the result backend does not."""
    restore = _point_celery_at(
        monkeypatch, broker="memory://", backend=f"redis://127.0.0.1:{_closed_port()}/0"
    )
    yield
    restore()


@pytest.fixture
def broker_back(monkeypatch):
    """Call it to bring the broker "back": from then on what is handed to it is recorded as
    (task name, kwargs) and nothing is run."""
    return lambda: _capture(monkeypatch)


@pytest.fixture
def sent(broker_back):
    return broker_back()


def _capture(monkeypatch) -> list[tuple[str, dict]]:
    from reports.tasks import assembly as assembly_tasks
    from reports.tasks import notifications as notification_tasks

    calls: list[tuple[str, dict]] = []

    def fake(task):
        def apply_async(args=None, kwargs=None, **options):
            calls.append((task.name, dict(kwargs or {})))

        return apply_async

    for task in (
        assembly_tasks.assemble_report,
        assembly_tasks.assemble_preview,
        notification_tasks.send_notification_email,
    ):
        monkeypatch.setattr(task, "apply_async", fake(task))
    return calls


@pytest.fixture
def approvable(report, koshitsu, zaisei, editor, head, other_editor, reviewer):
    other_head = factories.make_user("zaisei-kacho", department=zaisei, head=True)
    for department, people in (
        (koshitsu, {"editor": editor, "head": head}),
        (zaisei, {"editor": other_editor, "head": other_head}),
    ):
        section = factories.make_section(department, report)
        fill(section)
        advance(section, "approved", reviewer=reviewer, **people)
    return report


def test_approving_the_report_commits_and_queues_the_build_when_the_broker_is_down(
    approvable, planning_head, reviewer, client, broker_down, broker_back
):
    client.force_login(planning_head)
    url = reverse("workflow-report-approval", args=[approvable.fiscal_year])
    response = client.post(url, {"version": approvable.version}, follow=True)
    assert response.status_code == 200
    assert "待機中" in response.content.decode()
    approvable.refresh_from_db()
    assert approvable.state == AnnualReport.State.APPROVED
    assert ReportEvent.objects.filter(action="approve").count() == 1
    build = Build.objects.get(report=approvable)
    assert build.status == Build.Status.QUEUED and build.kind == Build.Kind.RELEASE
    pending = Notification.objects.filter(kind="report_approve")
    assert pending.count() == 1 and pending.get().recipient == reviewer
    assert pending.get().emailed_at is None and pending.get().mail_failed_at is not None

    # The broker is back: the sweeper queues the build and the mail, once each.
    sent = broker_back()
    counted = sweeper.sweep(grace_seconds=0)
    assert counted == {"builds": 1, "reports": 0, "mails": 1, "failed": 0}
    assert sent == [
        ("reports.tasks.assemble_report", {"report_id": approvable.pk, "build_id": build.pk}),
        ("reports.tasks.send_notification_email", {"notification_id": pending.get().pk}),
    ]


def test_the_api_approval_answers_200_when_the_broker_is_down(
    approvable, planning_head, client, broker_down, sent
):
    client.force_login(planning_head)
    response = client.post(
        f"/api/v1/reports/{approvable.fiscal_year}/approve/",
        "{}",
        content_type="application/json",
        HTTP_IF_MATCH="*",
    )
    assert response.status_code == 200, response.content
    assert Build.objects.filter(report=approvable, status="queued").count() == 1


def test_a_section_transition_commits_when_the_broker_is_down(
    section, editor, head, client, broker_down
):
    fill(section)
    client.force_login(editor)
    response = client.post(
        f"/api/v1/sections/{section.pk}/submit/",
        "{}",
        content_type="application/json",
        HTTP_IF_MATCH="*",
    )
    assert response.status_code == 200, response.content
    section.refresh_from_db()
    assert section.state == "awaiting_head"
    mail = Notification.objects.get(recipient=head)
    assert mail.emailed_at is None and mail.mail_failed_at is not None


def test_staff_build_pages_commit_when_the_broker_is_down(
    approvable, planning_head, client, broker_down
):
    client.force_login(planning_head)
    response = client.post(reverse("staff-build-preview", args=[approvable.fiscal_year]))
    assert response.status_code == 302
    assert Build.objects.filter(kind="preview", status="queued").count() == 1


def test_the_sweeper_leaves_fresh_and_running_work_alone(approvable, planning_head, sent):
    build = Build.objects.create(
        report=approvable, kind=Build.Kind.RELEASE, status=Build.Status.QUEUED
    )
    assert sweeper.sweep(grace_seconds=3600)["builds"] == 0
    Build.objects.filter(pk=build.pk).update(status=Build.Status.RUNNING)
    from django.utils import timezone

    Build.objects.filter(pk=build.pk).update(heartbeat_at=timezone.now())
    assert sweeper.sweep(grace_seconds=0)["builds"] == 0
    assert sent == []


def test_the_requeue_command_is_usable_from_cron(approvable, sent, capsys):
    build = Build.objects.create(
        report=approvable, kind=Build.Kind.RELEASE, status=Build.Status.QUEUED
    )
    call_command("requeue_pending", "--grace", "0")
    assert (
        "reports.tasks.assemble_report",
        {"report_id": approvable.pk, "build_id": build.pk},
    ) in (sent)
    assert "構築 1件" in capsys.readouterr().out


def test_the_requeue_command_fails_loudly_when_the_broker_is_still_down(approvable, broker_down):
    from django.core.management.base import CommandError

    Build.objects.create(report=approvable, kind=Build.Kind.RELEASE, status=Build.Status.QUEUED)
    with pytest.raises(CommandError):
        call_command("requeue_pending", "--grace", "0")


# -- Redis down: the result backend too (the same Redis), not only the broker ------------------

# Far below the ~40 s that the result backend's default reconnection retries took.
FAST_ENOUGH_SECONDS = 10


@pytest.mark.parametrize("outage", ["redis_down", "backend_down"])
def test_approval_commits_and_answers_fast_when_the_result_backend_is_down(
    approvable, planning_head, reviewer, client, outage, request
):
    request.getfixturevalue(outage)
    client.force_login(planning_head)
    url = reverse("workflow-report-approval", args=[approvable.fiscal_year])
    started = time.monotonic()
    response = client.post(url, {"version": approvable.version}, follow=True)
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert "待機中" in response.content.decode()
    assert elapsed < FAST_ENOUGH_SECONDS, f"{elapsed:.1f} s"
    approvable.refresh_from_db()
    assert approvable.state == AnnualReport.State.APPROVED
    assert ReportEvent.objects.filter(action="approve").count() == 1
    build = Build.objects.get(report=approvable)
    assert build.status == Build.Status.QUEUED and build.kind == Build.Kind.RELEASE
    assert Notification.objects.filter(kind="report_approve", recipient=reviewer).count() == 1


def test_the_api_approval_answers_fast_when_redis_is_down(
    approvable, planning_head, client, redis_down
):
    client.force_login(planning_head)
    started = time.monotonic()
    response = client.post(
        f"/api/v1/reports/{approvable.fiscal_year}/approve/",
        "{}",
        content_type="application/json",
        HTTP_IF_MATCH="*",
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.content
    assert elapsed < FAST_ENOUGH_SECONDS, f"{elapsed:.1f} s"
    assert Build.objects.filter(report=approvable, status="queued").count() == 1


def test_a_section_transition_commits_fast_when_redis_is_down(
    section, editor, head, client, redis_down
):
    fill(section)
    client.force_login(editor)
    started = time.monotonic()
    response = client.post(
        f"/api/v1/sections/{section.pk}/submit/",
        "{}",
        content_type="application/json",
        HTTP_IF_MATCH="*",
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.content
    assert elapsed < FAST_ENOUGH_SECONDS, f"{elapsed:.1f} s"
    mail = Notification.objects.get(recipient=head)
    assert mail.emailed_at is None and mail.mail_failed_at is not None


def test_the_sweeper_fails_fast_while_redis_is_down(approvable, redis_down):
    Build.objects.create(report=approvable, kind=Build.Kind.RELEASE, status=Build.Status.QUEUED)
    started = time.monotonic()
    counted = sweeper.sweep(grace_seconds=0)
    assert time.monotonic() - started < FAST_ENOUGH_SECONDS
    assert counted["builds"] == 0 and counted["failed"] >= 1


# -- a recipient without an address: marked once, never queued again ---------------------------


def test_a_notification_to_someone_without_an_address_is_not_requeued_forever(
    section, editor, head
):
    from reports.services import notifications

    assert head.email == ""
    past = timezone.now() - timezone.timedelta(hours=3)
    notification = Notification.objects.create(
        recipient=head,
        kind="submit",
        section=section,
        subject="件名",
        body="本文",
        mail_failed_at=past,
        mail_error=sweeper.QUEUE_ERROR,
    )
    # The broker is back (eager here): the sweeper queues it once, and the task finds no address.
    assert sweeper.sweep(grace_seconds=0)["mails"] == 1
    notification.refresh_from_db()
    assert notification.emailed_at is None
    assert notification.mail_error == notifications.NO_ADDRESS
    assert notification.mail_failed_at is not None
    marked = (notification.mail_error, notification.mail_failed_at, notification.mail_attempts)

    # Neither the sweeper nor the daily requeue ever queue it again, however long it waits.
    for hours in (1, 5, 48):
        with time_machine.travel(timezone.now() + timezone.timedelta(hours=hours)):
            assert sweeper.sweep(grace_seconds=0) == {
                "builds": 0,
                "reports": 0,
                "mails": 0,
                "failed": 0,
            }
            assert notifications.requeue_undelivered_mail() == 0
    notification.refresh_from_db()
    assert (
        notification.mail_error,
        notification.mail_failed_at,
        notification.mail_attempts,
    ) == marked
