"""Two transitions racing on one section: exactly one wins, the other gets a clear 409.

Real threads, each with its own database connection, against a committed database
(transaction=True). On SQLite the IMMEDIATE transactions serialise the writers; on PostgreSQL
the row lock (select_for_update) and the compare-and-set do. Either way the loser re-reads the
state the winner left and is refused with the state named.
"""

import threading

import pytest
from django.db import close_old_connections, connection

from akiruno.exceptions import ApplicationError, Conflict
from reports.models import AnnualReport, ReportEvent, SectionEvent
from reports.services import workflow
from tests import factories
from tests.workflow.helpers import advance, fill, state_of

pytestmark = pytest.mark.django_db(transaction=True)


def race(*calls, rounds: int = 1) -> list:
    """Run the calls at the same moment in threads; return each one's result or exception."""
    results: list = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(index: int, call) -> None:
        close_old_connections()
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # collected and asserted on by the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a transition hung"
    return results


@pytest.fixture
def cast(db, report, koshitsu, planning):
    section = factories.make_section(koshitsu, report)
    fill(section)
    return {
        "section": section,
        "editor": factories.make_user("t-editor", department=koshitsu, editor=True),
        "head": factories.make_user("t-head", department=koshitsu, head=True),
        "reviewer": factories.make_user("t-rev1", department=planning, reviewer=True),
        "reviewer2": factories.make_user("t-rev2", department=planning, reviewer=True),
        "planning_head": factories.make_user(
            "t-kacho", department=planning, head=True, reviewer=True
        ),
    }


def _outcome(results: list) -> tuple[list, list]:
    wins = [r for r in results if not isinstance(r, Exception)]
    losses = [r for r in results if isinstance(r, Exception)]
    for loss in losses:
        assert isinstance(loss, Conflict), repr(loss)
        assert loss.status == 409
    return wins, losses


def test_two_reviewers_approving_at_once(cast):
    section = cast["section"]
    advance(
        section, "in_review", editor=cast["editor"], head=cast["head"], reviewer=cast["reviewer"]
    )
    results = race(
        lambda: workflow.section_approve(section=section, user=cast["reviewer"]),
        lambda: workflow.section_approve(section=section, user=cast["reviewer2"]),
    )
    wins, losses = _outcome(results)
    assert len(wins) == 1 and len(losses) == 1
    assert "「承認済」" in losses[0].message
    assert SectionEvent.objects.filter(action="approve").count() == 1
    assert state_of(section) == ("approved", 4)


def test_approve_racing_with_return(cast):
    section = cast["section"]
    advance(
        section, "in_review", editor=cast["editor"], head=cast["head"], reviewer=cast["reviewer"]
    )
    results = race(
        lambda: workflow.section_approve(section=section, user=cast["reviewer"]),
        lambda: workflow.section_return(section=section, user=cast["reviewer2"], comment="待って"),
    )
    wins, losses = _outcome(results)
    assert len(wins) == 1 and len(losses) == 1
    events = list(SectionEvent.objects.filter(from_state="in_review"))
    assert len(events) == 1
    assert state_of(section)[0] == events[0].to_state


def test_editor_and_head_submitting_at_once(cast):
    section = cast["section"]
    results = race(
        lambda: workflow.section_submit(section=section, user=cast["editor"]),
        lambda: workflow.section_submit(section=section, user=cast["head"]),
        lambda: workflow.section_submit(section=section, user=cast["editor"]),
    )
    wins, losses = _outcome(results)
    assert len(wins) == 1 and len(losses) == 2
    assert SectionEvent.objects.filter(action="submit").count() == 1
    assert state_of(section) == ("awaiting_head", 2)


def test_two_heads_approving_the_report_at_once(cast, planning):
    section = cast["section"]
    advance(
        section, "approved", editor=cast["editor"], head=cast["head"], reviewer=cast["reviewer"]
    )
    second = factories.make_user("t-kacho2", department=planning, head=True, reviewer=True)
    report = AnnualReport.objects.get()
    results = race(
        lambda: workflow.report_approve(report=report, user=cast["planning_head"]),
        lambda: workflow.report_approve(report=report, user=second),
    )
    wins, losses = _outcome(results)
    assert len(wins) == 1 and len(losses) == 1
    assert ReportEvent.objects.filter(action="approve").count() == 1


def test_reopen_racing_with_the_reports_approval_never_leaves_an_approved_report_with_a_returned_section(
    cast,
):
    section = cast["section"]
    advance(
        section, "approved", editor=cast["editor"], head=cast["head"], reviewer=cast["reviewer"]
    )
    report = AnnualReport.objects.get()
    results = race(
        lambda: workflow.report_approve(report=report, user=cast["planning_head"]),
        lambda: workflow.section_reopen(section=section, user=cast["reviewer"], reason="直す"),
    )
    for result in results:
        if isinstance(result, Exception):
            assert isinstance(result, ApplicationError) and result.status == 409, repr(result)
    report.refresh_from_db()
    section.refresh_from_db()
    assert section.state == "returned"  # the reopen always wins or comes second
    assert report.state == "preparing"
