"""Notifications: the right people, in the app and by mail after commit; mail retried."""

import smtplib

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from reports.models import Notification, SectionEvent
from reports.services import notifications, workflow
from reports.tasks.notifications import MAIL_MAX_RETRIES
from tests import factories
from tests.workflow import mail_backends
from tests.workflow.helpers import advance, fill


@pytest.fixture
def cast(section, koshitsu, planning, editor, head, reviewer, reviewer2, planning_head):
    fill(section)
    for user in (editor, head, reviewer, reviewer2, planning_head):
        user.email = f"{user.username}@city.example"
        user.save()
    editor2 = factories.make_user("koshitsu-tanto2", department=koshitsu, editor=True)
    editor2.email = "tanto2@city.example"
    editor2.save()
    return {
        "section": section,
        "editor": editor,
        "editor2": editor2,
        "head": head,
        "reviewer": reviewer,
        "reviewer2": reviewer2,
        "planning_head": planning_head,
    }


def recipients(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_each_transition_tells_the_right_people(cast, django_capture_on_commit_callbacks):
    section = cast["section"]
    with django_capture_on_commit_callbacks(execute=True):
        workflow.section_submit(section=section, user=cast["editor"])
    assert recipients("submit") == {"koshitsu-kacho"}
    assert [m.to for m in mail.outbox] == [["koshitsu-kacho@city.example"]]

    with django_capture_on_commit_callbacks(execute=True):
        workflow.section_forward(section=section, user=cast["head"])
    assert recipients("forward") == {"shinsa", "shinsa2", "kikaku-kacho"}

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.section_return(
            section=section,
            user=cast["reviewer"],
            comment="表の合計を確認してください。",
            pinned=[{"item": str(section.items.get(heading="協議会").uid), "comment": "回数は？"}],
        )
    # the department: editors and head, never the reviewer who returned it
    assert recipients("return") == {"koshitsu-tanto", "koshitsu-tanto2", "koshitsu-kacho"}
    assert len(mail.outbox) == 3
    body = mail.outbox[0].body
    assert "表の合計を確認してください。" in body
    assert "２（１） 協議会" in body and "回数は？" in body
    assert f"/staff/sections/{section.pk}/review/" in body
    assert "差し戻されました" in mail.outbox[0].subject


def test_a_heads_return_goes_to_the_editors(cast, django_capture_on_commit_callbacks):
    section = cast["section"]
    workflow.section_submit(section=section, user=cast["editor"])
    with django_capture_on_commit_callbacks(execute=True):
        workflow.section_return(section=section, user=cast["head"], comment="課長：要修正。")
    assert recipients("return") == {"koshitsu-tanto", "koshitsu-tanto2"}


def test_notifications_are_written_with_the_event_and_mail_waits_for_commit(
    cast, django_capture_on_commit_callbacks
):
    section = cast["section"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workflow.section_submit(section=section, user=cast["editor"])
        notification = Notification.objects.get()
        assert notification.event == SectionEvent.objects.get()
    assert mail.outbox == []  # nothing was mailed inside the transaction
    assert len(callbacks) == 1
    assert callbacks[0].func is notifications.queue_mail
    assert callbacks[0].args == ([notification.pk],)


def test_a_refused_transition_notifies_nobody(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Exception):  # noqa: B017 - any refusal
            workflow.section_forward(section=cast["section"], user=cast["editor"])
    assert callbacks == []
    assert Notification.objects.count() == 0
    assert mail.outbox == []


def test_a_mail_server_that_is_down_does_not_undo_the_transition(
    cast, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.workflow.mail_backends.DownBackend"
    section = cast["section"]
    with django_capture_on_commit_callbacks(execute=True):
        workflow.section_submit(section=section, user=cast["editor"])
    section.refresh_from_db()
    assert section.state == "awaiting_head"
    assert SectionEvent.objects.filter(action="submit").count() == 1
    notification = Notification.objects.get()
    assert notification.emailed_at is None
    assert notification.mail_failed_at is not None
    assert "SMTPServerDisconnected" in notification.mail_error

    # the mail server is back: the daily run queues the mail again and it goes out
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.requeue_undelivered_mail() == 0  # too recent: may still be retrying
    with time_machine.travel(timezone.now() + timezone.timedelta(hours=3)):
        with django_capture_on_commit_callbacks(execute=True):
            assert notifications.requeue_undelivered_mail() == 1
    notification.refresh_from_db()
    assert notification.emailed_at is not None and notification.mail_error == ""
    assert len(mail.outbox) == 1


@pytest.fixture
def as_a_worker(monkeypatch):
    """Run eager tasks as a worker would: a retry runs the task again instead of raising."""
    from akiruno.celery import app

    monkeypatch.setitem(app.conf, "task_eager_propagates", False)


def test_the_mail_task_retries_smtp_errors_with_backoff_then_gives_up(cast, settings, as_a_worker):
    from reports.tasks.notifications import send_notification_email

    assert send_notification_email.autoretry_for == (OSError, smtplib.SMTPException)
    assert send_notification_email.retry_backoff and send_notification_email.max_retries
    settings.EMAIL_BACKEND = "tests.workflow.mail_backends.DownBackend"
    mail_backends.DownBackend.attempts = 0
    workflow.section_submit(section=cast["section"], user=cast["editor"])
    notification = Notification.objects.get()
    # as a worker runs it: each failure is retried, up to max_retries
    result = send_notification_email.apply(kwargs={"notification_id": notification.pk}, throw=False)
    assert result.state == "FAILURE"
    assert mail_backends.DownBackend.attempts == MAIL_MAX_RETRIES + 1
    notification.refresh_from_db()
    assert notification.mail_attempts == MAIL_MAX_RETRIES + 1
    assert notification.emailed_at is None


def test_mail_is_retried_until_it_goes_out_and_only_once(cast, settings, as_a_worker):
    from reports.tasks.notifications import send_notification_email

    settings.EMAIL_BACKEND = "tests.workflow.mail_backends.FlakyBackend"
    mail_backends.FlakyBackend.attempts = 0
    workflow.section_submit(section=cast["section"], user=cast["editor"])
    notification = Notification.objects.get()
    result = send_notification_email.apply(kwargs={"notification_id": notification.pk}, throw=False)
    assert result.state == "SUCCESS"
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    assert notification.mail_attempts == 3
    assert len(mail.outbox) == 1
    # a duplicate delivery of the task sends nothing
    assert send_notification_email.delay(notification_id=notification.pk).get() is False
    assert len(mail.outbox) == 1


def test_staff_without_an_address_still_see_it_in_the_app(cast, django_capture_on_commit_callbacks):
    cast["head"].email = ""
    cast["head"].save()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.section_submit(section=cast["section"], user=cast["editor"])
    notification = Notification.objects.get(recipient=cast["head"])
    assert notification.emailed_at is None and "メールアドレス" in notification.mail_error
    assert mail.outbox == []


def test_report_approval_tells_the_reviewers(cast, django_capture_on_commit_callbacks):
    advance(
        cast["section"],
        "approved",
        editor=cast["editor"],
        head=cast["head"],
        reviewer=cast["reviewer"],
    )
    with django_capture_on_commit_callbacks(execute=False):
        workflow.report_approve(report=cast["section"].report, user=cast["planning_head"])
    assert recipients("report_approve") == {"shinsa", "shinsa2"}


def test_the_notifications_page_lists_own_notifications_and_marks_them_read(cast, client):
    section = cast["section"]
    workflow.section_submit(section=section, user=cast["editor"])
    workflow.section_forward(section=section, user=cast["head"])
    client.force_login(cast["reviewer"])
    html = client.get("/staff/notifications/").content.decode()
    assert "送付されました" in html
    assert "提出されました" not in html  # the head's notification is not the reviewer's
    assert 'class="nav-count">1' in html
    notification = Notification.objects.get(recipient=cast["reviewer"])
    response = client.get(f"/staff/notifications/{notification.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/staff/sections/{section.pk}/review/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    other = Notification.objects.get(recipient=cast["head"])
    assert client.get(f"/staff/notifications/{other.pk}/").status_code == 404
    client.post("/staff/notifications/read/")
    other.refresh_from_db()
    assert other.read_at is None  # "mark all read" touches only one's own
