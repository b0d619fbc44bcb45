"""Staff pages for builds, previews (案), and the assemble_report command."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from akiruno.exceptions import Conflict, NotFound
from reports.models import AnnualReport, Build
from reports.services import assembly
from tests.assembly import sample
from tests.assembly.fixtures import body, run_assembly
from tests.assembly.pdfutil import pdf_pages

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(planning_head):
    return sample.make_approved_report(items=4, tables=2, reviewer=planning_head)


def test_build_list_shows_progress_and_polls_while_running(client, approved, planning_head):
    build = assembly.start_release(report_id=approved.pk, task_id="t")
    Build.objects.filter(pk=build.pk).update(progress_done=3, progress_total=7, phase="pdf")
    client.force_login(planning_head)
    page = body(client.get("/staff/reports/2024/builds/"))
    assert f'<progress id="progress-{build.pk}" max="7" value="3">' in page
    assert "3 / 7 工程（43%）" in page and "課別 PDF の作成" in page
    assert f'hx-get="/staff/reports/2024/builds/{build.pk}/progress/"' in page
    assert 'hx-trigger="every 2s"' in page

    row = body(client.get(f"/staff/reports/2024/builds/{build.pk}/progress/"))
    assert row.startswith(f'<tr id="build-{build.pk}"') and "hx-get" in row
    Build.objects.filter(pk=build.pk).update(status=Build.Status.FAILED, error="テストの失敗")
    row = body(client.get(f"/staff/reports/2024/builds/{build.pk}/progress/"))
    assert "hx-get" not in row  # finished: polling stops
    assert "テストの失敗" in row and "やり直す" in row


def test_build_pages_are_for_reviewers_only(client, approved, editor, reviewer):
    client.force_login(editor)
    assert client.get("/staff/reports/2024/builds/").status_code == 404
    client.force_login(reviewer)
    page = body(client.get("/staff/reports/2024/builds/"))
    assert "承認済みの内容で構築する" not in page  # only the approver may build
    assert "プレビュー" in page
    client.logout()
    assert client.get("/staff/reports/2024/builds/").status_code == 302


def test_start_and_retry_from_the_page(
    client, approved, planning_head, monkeypatch, django_capture_on_commit_callbacks
):
    from reports.services import pdf

    original = pdf.render_html
    monkeypatch.setattr(
        pdf, "render_html", lambda html: (_ for _ in ()).throw(RuntimeError("壊れた"))
    )
    client.force_login(planning_head)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/staff/reports/2024/builds/start/")
    assert response.status_code == 302
    build = Build.objects.get()
    assert build.status == Build.Status.FAILED and "壊れた" in build.error

    monkeypatch.setattr(pdf, "render_html", original)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/staff/reports/2024/builds/{build.pk}/retry/")
    build.refresh_from_db()
    assert build.status == Build.Status.SUCCEEDED and build.is_published
    # A second retry is refused with a message, nothing changes.
    response = client.post(f"/staff/reports/2024/builds/{build.pk}/retry/", follow=True)
    assert "やり直せません" in body(response)
    assert Build.objects.get().attempts == 2


def test_preview_is_marked_draft_on_every_page_and_stays_private(
    client, approved, reviewer, editor, django_capture_on_commit_callbacks
):
    AnnualReport.objects.filter(pk=approved.pk).update(state=AnnualReport.State.PREPARING)
    with django_capture_on_commit_callbacks(execute=True):
        build = assembly.build_preview(target=approved, user=reviewer)
    build.refresh_from_db()
    assert build.kind == Build.Kind.PREVIEW and build.status == Build.Status.SUCCEEDED
    assert build.published_at is None
    directory = assembly.build_dir(build)
    assert directory.parent.name == "previews"
    for text in pdf_pages(directory / "report.pdf"):
        assert "【案】" in text
    assert "これは審査用のプレビューです" in (directory / "index.html").read_text()

    client.force_login(reviewer)
    response = client.get(f"/staff/reports/2024/builds/{build.pk}/files/report.pdf")
    assert response.status_code == 200 and "private" in response["Cache-Control"]
    assert client.get(f"/staff/reports/2024/builds/{build.pk}/files/zaisei/").status_code == 200
    client.force_login(editor)
    assert client.get(f"/staff/reports/2024/builds/{build.pk}/files/report.pdf").status_code == 404
    client.logout()
    assert client.get("/reports/2024/").status_code == 404


def test_section_preview_for_its_own_department(
    client, approved, editor, other_editor, django_capture_on_commit_callbacks
):
    from reports.models import Section

    section = Section.objects.get(report=approved, department__code="shicho-koshitsu")
    with pytest.raises(NotFound):
        assembly.build_preview(target=section, user=other_editor)
    with django_capture_on_commit_callbacks(execute=True):
        build = assembly.build_preview(target=section, user=editor)
    build.refresh_from_db()
    assert build.status == Build.Status.SUCCEEDED
    assert list(build.content_version) == ["title", "fiscal_year"]
    assert [n for n in build.manifest if n.startswith("departments/")] == [
        "departments/shicho-koshitsu.html"
    ]
    client.force_login(editor)
    assert client.get(f"/staff/reports/2024/builds/{build.pk}/files/report.pdf").status_code == 200
    client.force_login(other_editor)
    assert client.get(f"/staff/reports/2024/builds/{build.pk}/files/report.pdf").status_code == 404


def test_build_start_refuses_unapproved_reports(report, section, planning_head):
    with pytest.raises(Conflict, match="承認されていない"):
        assembly.build_start(report=report, user=planning_head)
    assert not Build.objects.exists()


def test_command_builds_and_publishes(approved, capsys):
    call_command("assemble_report", "2024")
    out = capsys.readouterr().out
    assert "第1版として公開しました" in out and "PDF" in out
    build = Build.objects.get()
    assert build.is_published
    with pytest.raises(CommandError, match="公開中"):
        call_command("assemble_report", "2024")
    with pytest.raises(CommandError, match="2019年度"):
        call_command("assemble_report", "2019")


def test_command_retries_a_failed_build(approved, monkeypatch):
    from reports.services import pdf

    original = pdf.render_html
    monkeypatch.setattr(
        pdf, "render_html", lambda html: (_ for _ in ()).throw(RuntimeError("壊れた"))
    )
    with pytest.raises(CommandError, match="壊れた"):
        call_command("assemble_report", "2024")
    build = Build.objects.get()
    monkeypatch.setattr(pdf, "render_html", original)
    call_command("assemble_report", "2024", "--retry", str(build.pk))
    build.refresh_from_db()
    assert build.status == Build.Status.SUCCEEDED and build.attempts == 2


def test_workflow_contract_task_signature(approved, planning_head):
    """The workflow calls assemble_report.delay(report_id=…, requested_by_id=…) on commit."""
    from reports.tasks.assembly import assemble_report

    assert assemble_report.name == "reports.tasks.assemble_report"
    assert assemble_report.acks_late is True
    assemble_report.delay(report_id=approved.pk, requested_by_id=planning_head.pk)
    build = Build.objects.get()
    assert build.requested_by == planning_head and build.is_published
    assert run_assembly(approved, planning_head).pk == build.pk


def test_a_build_has_a_progress_page_of_its_own_that_reloads_without_javascript(
    client, approved, planning_head, editor
):
    build = assembly.start_release(report_id=approved.pk, task_id="t")
    Build.objects.filter(pk=build.pk).update(progress_done=2, progress_total=8, phase="pdf")
    client.force_login(planning_head)
    url = f"/staff/reports/2024/builds/{build.pk}/"
    page = body(client.get(url))
    assert page.startswith("<!DOCTYPE html>") and f"構築#{build.pk}" in page
    assert f'<progress id="progress-{build.pk}" max="8" value="2">' in page
    assert f'hx-get="/staff/reports/2024/builds/{build.pk}/progress/"' in page
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
    # The list polls the same way, and links each build to its page.
    listing = body(client.get("/staff/reports/2024/builds/"))
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in listing
    assert f'<a href="{url}">#{build.pk}</a>' in listing

    Build.objects.filter(pk=build.pk).update(status=Build.Status.FAILED, error="テストの失敗")
    page = body(client.get(url))
    assert "この構築は終わりました（失敗）" in page and "テストの失敗" in page
    assert 'http-equiv="refresh"' not in page and "hx-get" not in page
    assert 'http-equiv="refresh"' not in body(client.get("/staff/reports/2024/builds/"))

    client.force_login(editor)
    assert client.get(url).status_code in (403, 404)


def test_the_approval_page_follows_the_build_that_approval_started(client, approved, planning_head):
    build = assembly.start_release(report_id=approved.pk, task_id="t")
    client.force_login(planning_head)
    page = body(client.get("/staff/reports/2024/approval/"))
    assert "構築の進み具合" in page
    assert f'<progress id="progress-{build.pk}"' in page
    assert f'href="/staff/reports/2024/builds/{build.pk}/"' in page
