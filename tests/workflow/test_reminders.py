"""Deadline reminders: N days before and after the deadline, to sections not yet forwarded,
once per section, kind and day, by the task Celery beat runs."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail

from reports.models import AnnualReport, DeadlineReminder, Notification
from reports.tasks.notifications import send_deadline_reminders
from tests import factories
from tests.workflow.helpers import advance, fill

TOKYO = ZoneInfo("Asia/Tokyo")
DEADLINE = date(2025, 5, 30)


def at(day: date, hour: int = 6):
    return time_machine.travel(
        datetime(day.year, day.month, day.day, hour, tzinfo=TOKYO), tick=False
    )


@pytest.fixture
def sections(report, koshitsu, zaisei, planning, editor, head, other_editor, reviewer):
    AnnualReport.objects.filter(pk=report.pk).update(deadline=DEADLINE)
    zaisei_head = factories.make_user("zaisei-kacho", department=zaisei, head=True)
    for user in (editor, head, other_editor, zaisei_head):
        user.email = f"{user.username}@city.example"
        user.save()
    draft = factories.make_section(koshitsu, report)
    waiting = factories.make_section(zaisei, report)
    fill(waiting)
    advance(waiting, "awaiting_head", editor=other_editor, head=zaisei_head, reviewer=reviewer)
    forwarded = factories.make_section(planning, report)
    fill(forwarded)
    planning_editor = factories.make_user("kikaku-tanto", department=planning, editor=True)
    planning_head = factories.make_user("kikaku-kacho", department=planning, head=True)
    advance(forwarded, "in_review", editor=planning_editor, head=planning_head, reviewer=reviewer)
    Notification.objects.all().delete()
    return {"draft": draft, "waiting": waiting, "forwarded": forwarded}


def run(django_capture_on_commit_callbacks) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        return send_deadline_reminders.delay().get()


def test_the_beat_schedule_names_the_task():
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert send_deadline_reminders.name == "reports.tasks.send_deadline_reminders"
    assert send_deadline_reminders.name in names


def test_reminder_before_the_deadline_goes_to_sections_not_yet_forwarded(
    sections, django_capture_on_commit_callbacks
):
    n = settings.REMINDER_DAYS_BEFORE
    with at(date(2025, 5, 30 - n)):
        assert run(django_capture_on_commit_callbacks) == 2
    reminders = set(DeadlineReminder.objects.values_list("section_id", "kind", "day"))
    assert reminders == {
        (sections["draft"].pk, "before", date(2025, 5, 30 - n)),
        (sections["waiting"].pk, "before", date(2025, 5, 30 - n)),
    }
    recipients = set(
        Notification.objects.filter(kind="reminder_before").values_list(
            "recipient__username", flat=True
        )
    )
    # the draft goes to its editors and head; the section awaiting its head to the head
    assert recipients == {"koshitsu-tanto", "koshitsu-kacho", "zaisei-kacho"}
    assert len(mail.outbox) == 3
    assert all(f"あと{n}日" in m.subject for m in mail.outbox)
    assert "令和７年５月３０日" in mail.outbox[0].body


def test_running_twice_on_one_day_sends_nothing_more(sections, django_capture_on_commit_callbacks):
    with at(date(2025, 5, 23)):
        first = run(django_capture_on_commit_callbacks)
    with at(date(2025, 5, 23), hour=18):
        second = run(django_capture_on_commit_callbacks)
    assert (first, second) == (2, 0)
    assert DeadlineReminder.objects.count() == 2
    assert Notification.objects.count() == 3


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 5, 22), 0),  # 8 days before
        (date(2025, 5, 24), 0),  # 6 days before
        (date(2025, 5, 30), 0),  # the deadline itself
        (date(2025, 5, 31), 2),  # the first day overdue
        (date(2025, 6, 1), 0),
        (date(2025, 6, 6), 2),  # N days overdue
        (date(2025, 6, 13), 2),  # 2N days overdue
    ],
)
def test_which_days_remind(sections, django_capture_on_commit_callbacks, day, expected):
    with at(day):
        assert run(django_capture_on_commit_callbacks) == expected
    if expected:
        assert set(DeadlineReminder.objects.values_list("kind", flat=True)) == {"overdue"}
        overdue_days = (day - DEADLINE).days
        assert all(f"{overdue_days}日過ぎています" in m.subject for m in mail.outbox)


def test_no_reminders_for_an_approved_report_or_without_a_deadline(
    sections, report, django_capture_on_commit_callbacks
):
    AnnualReport.objects.filter(pk=report.pk).update(deadline=None)
    with at(date(2025, 5, 31)):
        assert run(django_capture_on_commit_callbacks) == 0
    AnnualReport.objects.filter(pk=report.pk).update(deadline=DEADLINE, state="approved")
    with at(date(2025, 5, 31)):
        assert run(django_capture_on_commit_callbacks) == 0
    assert Notification.objects.count() == 0
