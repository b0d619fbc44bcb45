"""The report as a whole: approvable when every section is approved; approval fixes the
content and schedules the assembly after commit."""

import pytest

from akiruno.exceptions import Conflict, PermissionDenied
from reports.models import AnnualReport, ReportEvent
from reports.selectors_workflow import approved_snapshots
from reports.services import workflow
from tests import factories
from tests.workflow.helpers import advance, counts, fill


@pytest.fixture
def two(report, koshitsu, zaisei, editor, head, other_editor, other_head, reviewer):
    first = factories.make_section(koshitsu, report)
    second = factories.make_section(zaisei, report)
    fill(first)
    fill(second)
    advance(first, "approved", editor=editor, head=head, reviewer=reviewer)
    return first, second, {"editor": other_editor, "head": other_head, "reviewer": reviewer}


def test_not_approvable_until_every_section_is_approved(two, report):
    _first, second, people = two
    ok, reasons = workflow.report_is_approvable(report)
    assert not ok
    assert reasons == ["財政課: 「作成中」（未承認）"]
    advance(second, "approved", **people)
    assert workflow.report_is_approvable(report) == (True, [])


def test_a_report_without_sections_is_not_approvable(report):
    assert workflow.report_is_approvable(report) == (False, ["課別報告がありません。"])


def test_approving_too_early_is_refused_with_the_sections_listed(two, report, planning_head):
    before = counts()
    with pytest.raises(Conflict) as exc:
        workflow.report_approve(report=report, user=planning_head)
    assert exc.value.status == 409
    assert exc.value.details == {"sections": ["財政課: 「作成中」（未承認）"]}
    assert counts() == before
    assert AnnualReport.objects.get().state == "preparing"


@pytest.mark.parametrize("who", ["reviewer", "head", "admin_user"])
def test_only_the_planning_divisions_head_approves_the_report(
    two, report, reviewer, head, admin_user, who
):
    _first, second, people = two
    advance(second, "approved", **people)
    user = {"reviewer": reviewer, "head": head, "admin_user": admin_user}[who]
    with pytest.raises(PermissionDenied):
        workflow.report_approve(report=report, user=user)
    assert ReportEvent.objects.count() == 0


def test_approval_fixes_the_content_and_schedules_the_assembly(
    two, report, planning_head, django_capture_on_commit_callbacks
):
    first, second, people = two
    advance(second, "approved", **people)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workflow.report_approve(report=report, user=planning_head)
    report.refresh_from_db()
    assert report.state == "approved"
    assert report.approved_by == planning_head and report.approved_at is not None
    assert ReportEvent.objects.get().actor == planning_head
    assembly = [c for c in callbacks if getattr(c, "func", None) is workflow.schedule_assembly]
    assert len(assembly) == 1
    assert assembly[0].args == (report.pk, planning_head.pk)
    snapshots = approved_snapshots(report)
    assert set(snapshots) == {first.pk, second.pk}
    assert snapshots[first.pk].events.filter(action="approve").exists()
    with pytest.raises(Conflict) as exc:
        workflow.report_approve(report=report, user=planning_head)
    assert "「承認済」" in exc.value.message


def test_the_assembly_task_is_called_with_the_agreed_signature(monkeypatch):
    """schedule_assembly imports reports.tasks.assemble_report lazily and calls
    .delay(report_id=…, requested_by_id=…): the contract with the assembly."""
    import reports.tasks

    calls = []

    class FakeTask:
        @staticmethod
        def delay(**kwargs):
            calls.append(kwargs)

    monkeypatch.setattr(reports.tasks, "assemble_report", FakeTask, raising=False)
    workflow.schedule_assembly(7, 3)
    assert calls == [{"report_id": 7, "requested_by_id": 3}]
