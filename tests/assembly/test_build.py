"""The build: publication, idempotency, failure, retry, a killed worker, corrections."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from akiruno.exceptions import Conflict, PermissionDenied
from reports.models import AnnualReport, Build, ReportEvent, Section, SectionSnapshot
from reports.services import assembly, pdf, rendering
from reports.tasks.assembly import assemble_report
from tests import factories
from tests.assembly import sample
from tests.assembly.fixtures import body, run_assembly

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(planning_head):
    return sample.make_approved_report(items=6, tables=4, reviewer=planning_head)


def _files(build: Build) -> dict[str, bytes]:
    directory = assembly.build_dir(build)
    return {name: (directory / name).read_bytes() for name in build.manifest}


def test_approved_report_is_built_and_published(
    approved, planning_head, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        build = run_assembly(approved, planning_head)

    assert build.status == Build.Status.SUCCEEDED
    assert build.edition == 1 and build.published_at is not None
    assert build.progress_done == build.progress_total == 2 * 3 + 1
    assert build.page_count and build.page_count > 3
    assert build.started_at <= build.finished_at
    assert [s["department"] for s in build.content_version["sections"]] == [
        "kikaku-seisaku",
        "shicho-koshitsu",
        "zaisei",
    ]
    approved.refresh_from_db()
    assert approved.state == AnnualReport.State.PUBLISHED
    event = ReportEvent.objects.get(report=approved, action=ReportEvent.Action.PUBLISH)
    assert "第1版" in event.comment
    # Every output is on disk with the checksum the manifest records.
    names = set(build.manifest)
    assert {"index.html", "all.html", "report.pdf", "data.zip", "data/index.json"} <= names
    assert {
        f"departments/{c}.html" for c in ("kikaku-seisaku", "shicho-koshitsu", "zaisei")
    } <= names
    assert sum(n.endswith(".csv") for n in names) == 3 * (4 + 1)  # tables + gathered counts
    assert "data/zaisei-counts.csv" in names
    for name, data in _files(build).items():
        assert rendering.sha256(data) == build.manifest[name]["sha256"]
        assert len(data) == build.manifest[name]["size"]
    # Intermediate files are cleaned up; the small inputs of publication stay.
    work = assembly.build_dir(build) / "_work"
    assert not (work / "parts").exists() and not (work / "pdf").exists()
    assert (work / "search.json").exists()


def test_same_input_gives_identical_html_csv_zip_and_equivalent_pdf(approved, planning_head):
    first = run_assembly(approved, planning_head)
    # A second build of exactly the same input (as a retried or duplicated build would run).
    second = Build.objects.create(
        report=approved,
        kind=Build.Kind.RELEASE,
        input_checksum=first.input_checksum,
        content_version=first.content_version,
    )
    assemble_report.delay(report_id=approved.pk, build_id=second.pk)
    second.refresh_from_db()

    assert second.status == Build.Status.SUCCEEDED
    assert second.published_at is None  # the report is already published with this content
    assert set(first.manifest) == set(second.manifest)
    for name in first.manifest:
        if name == "report.pdf":
            continue
        assert first.manifest[name]["sha256"] == second.manifest[name]["sha256"], name
    assert _files(first)["index.html"] == _files(second)["index.html"]
    # The PDF: same pages and the same text.
    from tests.assembly.pdfutil import pdf_text

    assert first.page_count == second.page_count
    assert pdf_text(assembly.build_dir(first) / "report.pdf") == pdf_text(
        assembly.build_dir(second) / "report.pdf"
    )


def test_duplicate_task_changes_nothing(approved, planning_head):
    build = run_assembly(approved, planning_head)
    before = {b.pk: (b.status, b.attempts, b.manifest) for b in Build.objects.all()}
    events = ReportEvent.objects.count()
    mtime = (assembly.build_dir(build) / "index.html").stat().st_mtime_ns

    assemble_report.delay(report_id=approved.pk, requested_by_id=planning_head.pk)
    assemble_report.delay(report_id=approved.pk, requested_by_id=planning_head.pk)

    assert {b.pk: (b.status, b.attempts, b.manifest) for b in Build.objects.all()} == before
    assert ReportEvent.objects.count() == events
    assert (assembly.build_dir(build) / "index.html").stat().st_mtime_ns == mtime


def test_unapproved_report_is_not_built(report, section, planning_head):
    assert assemble_report.delay(report_id=report.pk).get() is None
    assert not Build.objects.exists()


def test_report_with_an_unapproved_section_is_refused(approved, planning_head, koshitsu):
    other = factories.make_department("kaikei", "会計課", display_order=99)
    factories.make_section(other, approved)
    with pytest.raises(Conflict, match="会計課"):
        assembly.build_start(report=approved, user=planning_head)
    assert not Build.objects.exists()
    assert run_assembly(approved, planning_head) is None


def test_assembly_reads_a_fixed_number_of_queries(
    planning_head, django_capture_on_commit_callbacks
):
    def selects_for(fiscal_year: int, departments: int) -> int:
        report = sample.make_approved_report(
            fiscal_year=fiscal_year,
            departments=departments,
            items=4,
            tables=2,
            reviewer=planning_head,
        )
        with CaptureQueriesContext(connection) as ctx:
            build = run_assembly(report, planning_head)
        assert build.status == Build.Status.SUCCEEDED
        return sum(
            1 for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")
        )

    small = selects_for(2023, 2)
    large = selects_for(2024, 6)
    assert small == large


def test_approved_snapshots_takes_the_latest_approval_in_two_queries(
    planning_head, django_assert_num_queries
):
    report = sample.make_approved_report(departments=3, items=2, tables=0, reviewer=planning_head)
    section = Section.objects.get(report=report, department__code="shicho-koshitsu")
    later = sample.approve(section, planning_head)  # approved again, e.g. after a reopen
    with django_assert_num_queries(2):
        pairs = assembly.approved_snapshots(report)
    assert [s.department.code for s, _ in pairs] == ["kikaku-seisaku", "shicho-koshitsu", "zaisei"]
    assert dict((s.pk, snap.pk) for s, snap in pairs)[section.pk] == later.pk
    # A section that is no longer approved is not an input.
    factories.set_state(section, Section.State.RETURNED)
    assert section.pk not in {s.pk for s, _ in assembly.approved_snapshots(report)}


# -- failure and retry ------------------------------------------------------------------


def _fail_for(monkeypatch, code: str):
    original = pdf.render_html

    def render(html: str):
        if "department-title" in html and "財政課" in html:
            raise RuntimeError("レイアウトに失敗しました（テスト）")
        return original(html)

    monkeypatch.setattr(pdf, "render_html", render)


def test_failing_build_is_recorded_unpublished_and_can_be_retried(
    approved, planning_head, monkeypatch, client
):
    _fail_for(monkeypatch, "zaisei")
    build = run_assembly(approved, planning_head)

    assert build.status == Build.Status.FAILED
    assert "zaisei の PDF" in build.error and "レイアウトに失敗しました" in build.error
    assert build.published_at is None
    approved.refresh_from_db()
    assert approved.state == AnnualReport.State.APPROVED
    assert not ReportEvent.objects.filter(action=ReportEvent.Action.PUBLISH).exists()
    assert client.get("/reports/2024/").status_code == 404
    first_manifest = dict(build.manifest)

    monkeypatch.undo()
    retried = assembly.build_retry(build=build, user=planning_head)
    assert retried.status == Build.Status.QUEUED
    assemble_report.delay(report_id=approved.pk, build_id=build.pk)  # what on_commit schedules
    build.refresh_from_db()

    assert build.status == Build.Status.SUCCEEDED and build.error == ""
    assert build.attempts == 2 and build.edition == 1
    assert Build.objects.count() == 1
    # The retry rendered byte-identical HTML and CSV.
    for name, entry in first_manifest.items():
        assert build.manifest[name]["sha256"] == entry["sha256"], name
    assert client.get("/reports/2024/").status_code == 200


def test_retry_is_scheduled_on_commit(
    approved, planning_head, monkeypatch, django_capture_on_commit_callbacks
):
    _fail_for(monkeypatch, "zaisei")
    build = run_assembly(approved, planning_head)
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assembly.build_retry(build=build, user=planning_head)
    assert callbacks  # the retry task was scheduled after the commit, not before
    build.refresh_from_db()
    assert build.status == Build.Status.SUCCEEDED and build.is_published


def test_retry_refuses_a_succeeded_build_and_users_without_the_right(
    approved, planning_head, reviewer, editor
):
    build = run_assembly(approved, planning_head)
    with pytest.raises(Conflict, match="やり直せません"):
        assembly.build_retry(build=build, user=planning_head)
    failed = Build.objects.create(report=approved, status=Build.Status.FAILED)
    with pytest.raises(PermissionDenied):
        assembly.build_retry(build=failed, user=reviewer)  # a reviewer, not the approver
    with pytest.raises(PermissionDenied):
        assembly.build_retry(build=failed, user=editor)
    failed.refresh_from_db()
    assert failed.status == Build.Status.FAILED


def test_missing_japanese_font_fails_the_build_loudly(approved, planning_head, monkeypatch):
    monkeypatch.setattr(pdf, "installed_font_families", lambda: {"DejaVu Sans"})
    pdf._cached_family.cache_clear()
    try:
        build = run_assembly(approved, planning_head)
    finally:
        pdf._cached_family.cache_clear()
    assert build.status == Build.Status.FAILED
    assert "日本語フォントが見つかりません" in build.error
    assert "fonts-noto-cjk" in build.error
    assert build.published_at is None


def test_pdf_without_an_embedded_japanese_font_is_refused():
    from weasyprint import CSS, HTML

    plain = HTML(string="<p>abc</p>").write_pdf(
        stylesheets=[CSS(string="p { font-family: 'DejaVu Sans' }")]
    )
    with pytest.raises(pdf.FontUnavailable, match="埋め込まれていません"):
        pdf.check_japanese_font_embedded(plain)


# -- a killed worker ------------------------------------------------------------------------


def test_killed_worker_leaves_a_retryable_unpublished_build(approved, planning_head, client):
    # A worker claims the build, renders the HTML, and dies before the PDF.
    build = assembly.start_release(report_id=approved.pk, task_id="task-1")
    assembly.render_static_phase(build)
    build.refresh_from_db()
    assert build.status == Build.Status.RUNNING and build.published_at is None
    assert client.get("/reports/2024/").status_code == 404
    assert client.get("/reports/2024/kikaku-seisaku/").status_code == 404

    # Another delivery of the approval's task does not start a second run meanwhile...
    assert assembly.start_release(report_id=approved.pk, task_id="task-2") is None
    # ...and a retry is refused while the worker might still be alive.
    with pytest.raises(Conflict):
        assembly.build_retry(build=build, user=planning_head)

    # Once its heartbeat is stale, staff may retry it; the retry completes and publishes.
    from django.utils import timezone

    Build.objects.filter(pk=build.pk).update(
        heartbeat_at=timezone.now() - assembly.stale_after() * 2
    )
    assembly.build_retry(build=build, user=planning_head)
    assemble_report.delay(report_id=approved.pk, build_id=build.pk)
    build.refresh_from_db()
    assert build.status == Build.Status.SUCCEEDED and build.edition == 1
    assert client.get("/reports/2024/").status_code == 200


def test_redelivered_task_takes_over_its_own_build(approved, planning_head):
    build = assembly.start_release(report_id=approved.pk, task_id="task-1")
    assert build.attempts == 1
    # acks_late: the broker delivers the same message (same task id) to another worker.
    assemble_report.apply(kwargs={"report_id": approved.pk}, task_id="task-1")
    build.refresh_from_db()
    assert build.status == Build.Status.SUCCEEDED and build.attempts == 2 and build.is_published
    # The dead run's late work (attempt 1) changes nothing.
    assert assembly.finish_build(build_id=build.pk, attempt=1, results=[]) is None
    assert not assembly.mark_failed(build_id=build.pk, attempt=1, message="late")
    build.refresh_from_db()
    assert build.status == Build.Status.SUCCEEDED and build.error == ""


def test_published_build_is_immutable(approved, planning_head):
    build = run_assembly(approved, planning_head)
    build.error = "changed"
    with pytest.raises(RuntimeError, match="公開済み"):
        build.save()
    with pytest.raises(RuntimeError):
        build.delete()
    assert Build.objects.get(pk=build.pk).error == ""


# -- corrections after publication ---------------------------------------------------------


def _correct(report: AnnualReport, code: str, heading: str, reviewer) -> None:
    """Reopen → edit → re-approve one section (what the workflow does), then approve the report."""
    section = Section.objects.get(report=report, department__code=code)
    factories.set_state(section, Section.State.DRAFT)
    AnnualReport.objects.filter(pk=report.pk).update(state=AnnualReport.State.PREPARING)
    item = section.items.filter(parent=None).order_by("position").first()
    item.heading = heading
    item.save()
    sample.approve(section, reviewer)
    sample.approve_report(report, reviewer)


def test_correction_publishes_a_new_edition_that_supersedes_the_old(
    approved, planning_head, client
):
    first = run_assembly(approved, planning_head)
    assert "訂正後の見出し" not in body(client.get("/reports/2024/zaisei/"))

    _correct(approved, "zaisei", "訂正後の見出し", planning_head)
    # While the correction is under way the public still sees the first edition.
    assert client.get("/reports/2024/").status_code == 200
    second = run_assembly(approved, planning_head)

    assert second.pk != first.pk and second.edition == 2
    assert "訂正後の見出し" in body(client.get("/reports/2024/zaisei/"))
    first.refresh_from_db()
    assert first.edition == 1 and first.published_at is not None  # kept, unchanged
    editions = body(client.get("/reports/2024/editions/"))
    assert "第2版" in editions and "第1版" in editions and "財政課" in editions
    assert client.get("/reports/2024/editions/1/report.pdf").status_code == 200
    # The same content approved again later is published as a new edition, not the old one.
    _correct(approved, "zaisei", sample.HEADINGS[0], planning_head)
    third = run_assembly(approved, planning_head)
    assert third.edition == 3


def test_build_of_a_report_reopened_meanwhile_is_not_published(approved, planning_head):
    build = assembly.start_release(report_id=approved.pk, task_id="t")
    AnnualReport.objects.filter(pk=approved.pk).update(state=AnnualReport.State.PREPARING)
    assemble_report.apply(kwargs={"report_id": approved.pk, "build_id": build.pk}, task_id="t")
    build.refresh_from_db()
    assert build.status == Build.Status.SUCCEEDED and build.published_at is None
    # Re-approved with the same content: the next task publishes that build, no new one.
    sample.approve_report(approved, planning_head)
    run_assembly(approved, planning_head)
    build.refresh_from_db()
    assert build.is_published and Build.objects.count() == 1


def test_snapshot_content_not_live_content_is_published(approved, planning_head, client):
    section = Section.objects.get(report=approved, department__code="kikaku-seisaku")
    item = section.items.first()
    item.heading = "承認後に書き換えた見出し"
    item.save()
    run_assembly(approved, planning_head)
    assert "承認後に書き換えた見出し" not in body(client.get("/reports/2024/kikaku-seisaku/"))
    assert SectionSnapshot.objects.filter(section=section).exists()
