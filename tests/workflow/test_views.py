"""The pages: the whole cycle in the browser's terms (forms and redirects), refusals as pages,
previews marked 案, the dashboard and the audit log with their exports and query counts."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from reports.models import (
    AnnualReport,
    Department,
    ReviewComment,
    Section,
    SectionEvent,
    SectionSnapshot,
)
from reports.services import workflow
from tests import factories
from tests.workflow.helpers import advance, counts, fill, revise, state_of


def post(client, user, url, data=None):
    client.force_login(user)
    return client.post(url, data or {})


def transition(section, action):
    return f"/staff/sections/{section.pk}/workflow/{action}/"


def test_the_whole_cycle_in_the_browser(
    client,
    section,
    editor,
    head,
    reviewer,
    reviewer2,
    planning_head,
    django_capture_on_commit_callbacks,
):
    items = fill(section)
    review = f"/staff/sections/{section.pk}/review/"
    client.force_login(editor)
    page = client.get(review).content.decode()
    assert "課長へ提出する</button>" in page

    response = post(client, editor, transition(section, "submit"), {"version": "1"})
    assert response.status_code == 302 and response["Location"] == review
    assert state_of(section) == ("awaiting_head", 2)

    client.force_login(head)
    assert "企画政策課へ送付する</button>" in client.get(review).content.decode()
    post(client, head, transition(section, "forward"), {"version": "2"})
    assert state_of(section)[0] == "in_review"

    client.force_login(reviewer)
    page = client.get(review).content.decode()
    assert 'form="workflow-return-form"' in page  # pinned-comment fields next to the items
    response = post(
        client,
        reviewer,
        transition(section, "return"),
        {
            "version": "3",
            "comment": "開催状況の表を確認してください。",
            "pin-0-item": str(items["first"].uid),
            "pin-0-block": "",
            "pin-0-comment": "号数を明記してください。",
            "pin-9-item": str(items["child"].uid),
            "pin-9-block": str(items["table"].uid),
            "pin-9-row": "1",
            "pin-9-column": "date",
            "pin-9-comment": "日付の書式を統一。",
            "pin-5-item": str(items["second"].uid),
            "pin-5-comment": "",  # an empty slot is ignored
        },
    )
    assert response.status_code == 302
    assert state_of(section)[0] == "returned"
    assert ReviewComment.objects.count() == 3

    client.force_login(editor)
    page = client.get(review).content.decode()
    assert "号数を明記してください。" in page and "日付の書式を統一。" in page
    pinned = ReviewComment.objects.filter(item_uid__isnull=False)
    for comment in pinned:
        response = post(
            client,
            editor,
            f"/staff/sections/{section.pk}/comments/{comment.pk}/resolve/",
            {"resolved": "1"},
        )
        assert response.status_code == 302
    assert ReviewComment.objects.filter(resolved_at__isnull=False).count() == 2
    block = items["first"].blocks.get()
    block.data = {"paragraphs": ["「広報あきる野」を月２回（第１号～第２４号）発行した。"]}
    block.save()
    revise(section, editor)
    post(client, editor, transition(section, "submit"))
    post(client, head, transition(section, "forward"))

    client.force_login(reviewer)
    page = client.get(review).content.decode()
    assert "対応済み 2／3件" in page
    assert "<ins>（第１号～第２４号）</ins>" in page
    post(client, reviewer, transition(section, "approve"))
    assert state_of(section)[0] == "approved"

    client.force_login(planning_head)
    approval = f"/staff/reports/{section.report.fiscal_year}/approval/"
    assert "報告書を承認する</button>" in client.get(approval).content.decode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(approval, {"version": str(section.report.version)})
    assert response.status_code == 302
    assert AnnualReport.objects.get().state == "approved"
    assert any(getattr(c, "func", None) is workflow.schedule_assembly for c in callbacks)
    assert list(
        SectionEvent.objects.order_by("created_at", "id").values_list("action", flat=True)
    ) == ["submit", "forward", "return", "submit", "forward", "approve"]


def test_a_refused_form_shows_the_reason_and_changes_nothing(client, filled, people):
    advance(filled, "in_review", **people)
    before, state = counts(), state_of(filled)
    response = post(client, people["reviewer"], transition(filled, "return"), {"comment": "  "})
    assert response.status_code == 400
    page = response.content.decode()
    assert "差戻しの理由（コメント）を入力してください。" in page
    assert 'aria-invalid="true"' in page
    assert counts() == before and state_of(filled) == state

    response = post(client, people["editor"], transition(filled, "submit"))
    assert response.status_code == 409
    assert "「企画政策課審査中」" in response.content.decode()

    response = post(client, people["editor"], transition(filled, "approve"))
    assert response.status_code == 403
    assert "承認できるのは企画政策課の審査担当です" in response.content.decode()
    assert counts() == before and state_of(filled) == state


def test_a_stale_form_is_refused(client, filled, people):
    response = post(client, people["editor"], transition(filled, "submit"), {"version": "0"})
    assert response.status_code == 409
    assert "表示された後に変更されています" in response.content.decode()
    assert state_of(filled) == ("draft", 1)


def test_submit_errors_list_every_problem(client, section, editor):
    factories.make_item(section, "")
    response = post(client, editor, transition(section, "submit"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "１ （見出しなし）: 見出しが空です。" in page
    assert "１ （見出しなし）: 本文も下位の見出しもありません。" in page


def test_other_departments_get_404_and_get_is_not_allowed(client, filled, other_editor, editor):
    client.force_login(other_editor)
    assert client.get(f"/staff/sections/{filled.pk}/review/").status_code == 404
    assert client.post(transition(filled, "submit")).status_code == 404
    assert client.get(f"/staff/sections/{filled.pk}/preview/").status_code == 404
    client.force_login(editor)
    assert client.get(transition(filled, "submit")).status_code == 405
    assert client.post(transition(filled, "publish")).status_code == 404
    assert state_of(filled) == ("draft", 1)


def test_pages_need_a_login(client, filled):
    for url in [
        f"/staff/sections/{filled.pk}/review/",
        "/staff/reports/2024/dashboard/",
        "/staff/reports/2024/audit/",
        "/staff/notifications/",
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "url",
    [
        "/staff/reports/2024/dashboard/",
        "/staff/reports/2024/dashboard.xlsx",
        "/staff/reports/2024/audit/",
        "/staff/reports/2024/audit.csv",
        "/staff/reports/2024/preview/",
        "/staff/reports/2024/approval/",
    ],
)
def test_planning_pages_are_for_reviewers(client, filled, editor, head, reviewer, url):
    for user in (editor, head):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 403
        assert "権限" in response.content.decode()
    client.force_login(reviewer)
    assert client.get(url).status_code == 200


def test_previews_are_marked_draft_and_private(client, filled, people, zaisei, other_editor):
    other = factories.make_section(zaisei, filled.report)
    fill(other)
    client.force_login(people["reviewer"])
    response = client.get("/staff/reports/2024/preview/")
    page = response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    assert "noindex" in response["X-Robots-Tag"]
    assert page.count('class="draft-page-mark" aria-hidden="true">案</p>') == 2  # one per part
    assert 'class="draft-mark" aria-hidden="true">案</div>' in page
    assert "【案】" in page
    assert "市長公室" in page and "財政課" in page
    assert "「広報あきる野」を月２回発行した。" in page
    # One section's draft preview, linked from the workflow panel, is marked 案 too.
    response = client.get(f"/staff/sections/{filled.pk}/review/preview/")
    assert response["Cache-Control"] == "private, no-store"
    assert 'class="draft-page-mark" aria-hidden="true">案</p>' in response.content.decode()
    client.force_login(people["editor"])
    response = client.get(f"/staff/sections/{filled.pk}/preview/")
    assert response.status_code == 200
    assert "財政課" not in response.content.decode()
    assert client.get("/").status_code == 200
    assert "案" not in client.get("/").content.decode()  # nothing of it on the public site


def test_the_preview_of_an_approved_section_is_what_was_approved(client, filled, people):
    advance(filled, "approved", **people)
    block = filled.items.get(heading="広報活動").blocks.get()
    block.data = {"paragraphs": ["承認後に書き換えられた文。"]}
    block.save()  # bypassing every service, as a bug or a direct edit would
    client.force_login(people["reviewer"])
    page = client.get("/staff/reports/2024/preview/").content.decode()
    assert "「広報あきる野」を月２回発行した。" in page
    assert "承認後に書き換えられた文。" not in page


# -- dashboard ---------------------------------------------------------------------------------


def make_sections(report, n: int, offset: int = 0) -> list[Section]:
    departments = Department.objects.bulk_create(
        [
            Department(
                code=f"bulk-{offset + i}", name=f"第{offset + i}課", display_order=100 + offset + i
            )
            for i in range(n)
        ]
    )
    return Section.objects.bulk_create(
        [Section(report=report, department=d, department_name=d.name) for d in departments]
    )


def test_dashboard_shows_the_matrix_with_holders_overdue_and_counts(
    client, filled, people, report, zaisei
):
    import datetime

    AnnualReport.objects.filter(pk=report.pk).update(deadline=datetime.date(2000, 1, 1))
    other = factories.make_section(zaisei, report)
    fill(other)
    advance(filled, "returned", **people)
    client.force_login(people["reviewer"])
    page = client.get("/staff/reports/2024/dashboard/").content.decode()
    assert "市長公室（担当者）" in page
    assert "財政課（担当者）" in page
    assert "日</strong>" in page  # days overdue shown
    assert "期限超過 2件" in page
    filtered = client.get("/staff/reports/2024/dashboard/?state=returned").content.decode()
    assert "市長公室" in filtered and "財政課（担当者）" not in filtered
    assert "課別の状態（1件）" in filtered
    by_name = client.get("/staff/reports/2024/dashboard/?q=財政").content.decode()
    assert "課別の状態（1件）" in by_name and "財政課" in by_name


def test_dashboard_xlsx(client, filled, people):
    advance(filled, "awaiting_head", **people)
    client.force_login(people["reviewer"])
    response = client.get("/staff/reports/2024/dashboard.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("課", "作成中", "課長確認待ち", "企画政策課審査中", "差戻し", "承認済")
    assert rows[1][0] == "市長公室" and rows[1][2] == "●"
    assert "koshitsu-kacho" in rows[1][6]
    assert rows[-1][0] == "合計"


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_dashboard_query_count_does_not_grow(
    client, report, reviewer, django_assert_max_num_queries
):
    client.force_login(reviewer)
    sections = make_sections(report, 10)
    factories.set_state(sections[0], "awaiting_head")
    factories.set_state(sections[1], "returned")
    small = _queries(client, "/staff/reports/2024/dashboard/")
    more = make_sections(report, 190, offset=10)
    for section in more[::7]:
        factories.set_state(section, "awaiting_head")
    with django_assert_max_num_queries(small):
        page = client.get("/staff/reports/2024/dashboard/").content.decode()
    assert "課別の状態（200件）" in page


# -- audit log ---------------------------------------------------------------------------------


def make_events(section: Section, actor, n: int) -> None:
    snapshot = SectionSnapshot.objects.create(
        section=section, section_version=1, content={}, checksum="0" * 64
    )
    SectionEvent.objects.bulk_create(
        [
            SectionEvent(
                section=section,
                action="submit",
                from_state="draft",
                to_state="awaiting_head",
                actor=actor,
                snapshot=snapshot,
                section_version=i,
                comment=f"記録{i}",
            )
            for i in range(n)
        ]
    )


def test_audit_log_filters_and_exports(client, filled, people, zaisei, other_editor, other_head):
    advance(filled, "returned", **people)
    other = factories.make_section(zaisei, filled.report)
    fill(other)
    advance(
        other, "awaiting_head", editor=other_editor, head=other_head, reviewer=people["reviewer"]
    )
    client.force_login(people["reviewer"])
    page = client.get("/staff/reports/2024/audit/").content.decode()
    assert "（4件中 1～4件、新しい順）" in page
    by_action = client.get("/staff/reports/2024/audit/?action=return").content.decode()
    assert "（1件中" in by_action and "直してください。" in by_action
    by_department = client.get(
        f"/staff/reports/2024/audit/?department={zaisei.pk}"
    ).content.decode()
    assert "（1件中" in by_department
    by_user = client.get(f"/staff/reports/2024/audit/?actor={people['head'].pk}").content.decode()
    assert "（1件中" in by_user
    by_date = client.get("/staff/reports/2024/audit/?date_to=2000-01-01").content.decode()
    assert "条件に合う記録はありません。" in by_date

    response = client.get("/staff/reports/2024/audit.csv?action=return")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][0] == "日時" and len(rows) == 2
    assert rows[1][2:6] == ["市長公室", "差戻し", "企画政策課審査中", "差戻し"]
    event = SectionEvent.objects.get(action="return")
    assert rows[1][10] == event.snapshot.checksum

    response = client.get("/staff/reports/2024/audit.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 1 + 4
    assert client.get("/staff/reports/2024/audit.pdf").status_code == 404


def test_audit_log_query_count_does_not_grow(client, filled, people, django_assert_max_num_queries):
    advance(filled, "in_review", **people)
    client.force_login(people["reviewer"])
    small = _queries(client, "/staff/reports/2024/audit/")
    make_events(filled, people["editor"], 400)
    with django_assert_max_num_queries(small):
        page = client.get("/staff/reports/2024/audit/?page=3").content.decode()
    assert "（402件中 101～150件" in page


def test_notifications_page_query_count_does_not_grow(
    client, filled, people, django_assert_max_num_queries
):
    from reports.models import Notification

    client.force_login(people["head"])
    workflow.section_submit(section=filled, user=people["editor"])
    small = _queries(client, "/staff/notifications/")
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=people["head"],
                kind="submit",
                section=filled,
                subject=f"件名{i}",
                body="本文",
            )
            for i in range(80)
        ]
    )
    with django_assert_max_num_queries(small):
        client.get("/staff/notifications/")


def test_index_lists_own_sections_and_years_for_reviewers(client, filled, people):
    client.force_login(people["editor"])
    page = client.get("/staff/review/").content.decode()
    assert f"/staff/sections/{filled.pk}/review/" in page
    assert "進捗ダッシュボード" not in page
    client.force_login(people["reviewer"])
    page = client.get("/staff/review/").content.decode()
    assert "/staff/reports/2024/dashboard/" in page


def test_whole_report_preview_query_count_does_not_grow(
    client, report, reviewer, django_assert_max_num_queries
):
    client.force_login(reviewer)
    for section in make_sections(report, 3):
        fill(section)
    small = _queries(client, "/staff/reports/2024/preview/")
    for section in make_sections(report, 30, offset=3):
        fill(section)
    with django_assert_max_num_queries(small):
        page = client.get("/staff/reports/2024/preview/").content.decode()
    assert page.count('class="draft-page-mark"') == 33


def test_the_approval_page_after_approval(client, filled, people, planning_head):
    advance(filled, "approved", **people)
    workflow.report_approve(report=filled.report, user=planning_head)
    client.force_login(planning_head)
    page = client.get("/staff/reports/2024/approval/").content.decode()
    assert "この報告書は「承認済」です。" in page
    assert "報告書を承認する</button>" not in page
    response = client.post("/staff/reports/2024/approval/")
    assert response.status_code == 409
    assert "「承認済」のため、承認できません" in response.content.decode()


def test_dashboard_charts_the_states_over_time_from_the_events(client, filled, people, report):
    from reports import selectors_workflow

    advance(filled, "returned", **people)
    timeline = selectors_workflow.state_timeline(report=report)
    assert len(timeline.dates) == 1  # every event today
    _day, counts = timeline.rows[-1]
    states = [value for value, _ in timeline.states]
    assert counts[states.index("returned")] == 1 and sum(counts) == 1
    client.force_login(people["reviewer"])
    page = client.get("/staff/reports/2024/dashboard/").content.decode()
    assert "期限に向けた進み具合" in page and '<svg xmlns="http://www.w3.org/2000/svg"' in page
    assert "差戻し 1件" in page  # the line's direct label
    assert "日ごとの状態別件数" in page  # the table next to the chart


def test_the_preview_of_a_published_report_is_not_marked_draft(client, filled, people):
    """案 marks only what citizens cannot read yet; a published report's preview says so."""
    from reports.models import AnnualReport

    client.force_login(people["reviewer"])
    AnnualReport.objects.filter(pk=filled.report.pk).update(state=AnnualReport.State.PUBLISHED)
    page = client.get("/staff/reports/2024/preview/").content.decode()
    assert "案" not in page.replace("案内", "")
    assert "この報告書は公開中です" in page and 'href="/reports/2024/"' in page
    assert "「広報あきる野」を月２回発行した。" in page

    AnnualReport.objects.filter(pk=filled.report.pk).update(state=AnnualReport.State.APPROVED)
    page = client.get("/staff/reports/2024/preview/").content.decode()
    assert "【案】" in page and "この報告書は公開中です" not in page


def test_reviewers_see_the_review_queue_oldest_first_with_the_round(
    client, filled, people, zaisei, other_editor, other_head, django_assert_max_num_queries
):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    other = factories.make_section(zaisei, filled.report)
    fill(other)
    start = timezone.make_aware(dt.datetime(2025, 5, 1, 9, 0))
    with time_machine.travel(start, tick=False):
        advance(filled, "returned", **people)  # 市長公室: forwarded, then returned
    with time_machine.travel(start + dt.timedelta(days=1), tick=False):
        advance(
            other, "in_review", editor=other_editor, head=other_head, reviewer=people["reviewer"]
        )
    with time_machine.travel(start + dt.timedelta(days=2), tick=False):
        workflow.section_submit(section=filled, user=people["editor"])
        workflow.section_forward(section=filled, user=people["head"])

    client.force_login(people["reviewer"])
    with time_machine.travel(start + dt.timedelta(days=5), tick=False):
        with django_assert_max_num_queries(12):
            page = client.get("/staff/review/").content.decode()
    assert "審査待ち（2件・古い順）" in page
    queue = page[page.index('class="data-table review-queue"') :]
    # 財政課 was forwarded first (day 1), 市長公室 again on day 2, after one return.
    assert queue.index("財政課") < queue.index("市長公室")
    assert "令和7年5月2日 09:00" in queue and "令和7年5月3日 09:00" in queue
    assert "<strong>2回目</strong>（差戻し後の再提出）" in queue and "初回" in queue
    assert "4日" in queue and "3日" in queue

    # An editor has no queue, and an empty queue says so.
    client.force_login(people["editor"])
    assert "審査待ち" not in client.get("/staff/review/").content.decode()
    workflow.section_approve(section=filled, user=people["reviewer"])
    workflow.section_approve(section=other, user=people["reviewer"])
    client.force_login(people["reviewer"])
    assert "審査を待っている課別報告はありません。" in client.get("/staff/review/").content.decode()


def test_a_refused_submission_links_each_problem_to_its_item_in_the_editor(client, filled, people):
    empty = factories.make_item(filled, "空の項目")  # neither body nor sub-headings
    response = post(client, people["editor"], transition(filled, "submit"))
    page = response.content.decode()
    assert response.status_code == 400
    editor = f"/staff/sections/{filled.pk}/"
    assert (
        f'<a href="{editor}#item-{empty.pk}">３ 空の項目: 本文も下位の見出しもありません。</a>'
        in page
    )
    assert f'<a href="{editor}">編集画面で直す</a>' in page
    assert state_of(filled)[0] == "draft"
