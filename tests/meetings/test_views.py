"""Staff pages: lists with a fixed number of queries, forms, permissions (404 elsewhere)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from akiruno.fiscal import fiscal_year_of
from meetings.models import AgendaItem, ManualCount, MeetingBody, MeetingSession
from tests.meetings.factories import make_body, make_manual_count, make_session


def bulk_sessions(body, n, start=dt.date(2024, 4, 1)):
    sessions = MeetingSession.objects.bulk_create(
        [
            MeetingSession(
                body=body,
                category="協議会",
                sequence=i + 1,
                start=start + dt.timedelta(days=i % 360),
                fiscal_year=fiscal_year_of(start),
            )
            for i in range(n)
        ]
    )
    AgendaItem.objects.bulk_create(
        [AgendaItem(session=s, position=p, text=f"議題{p}") for s in sessions for p in range(2)]
    )


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url_name", ["meetings:session-list", "meetings:body-list", "meetings:session-export"]
)
def test_list_pages_run_the_same_number_of_queries_for_10_and_1000_sessions(
    client, reviewer, planning, koshitsu, url_name
):
    client.force_login(reviewer)
    url = reverse(url_name) + "?fy=2024&fiscal_year=2024"
    for i in range(2):
        bulk_sessions(make_body(planning if i % 2 else koshitsu, f"会議体{i}", key=f"b{i}"), 5)
    assert MeetingSession.objects.count() == 10
    small = count_queries(client, url)
    for i in range(2, 24):
        body = make_body(planning if i % 2 else koshitsu, f"会議体{i}", key=f"b{i}")
        make_manual_count(body, "総会", 2)
        bulk_sessions(body, 45)
    assert MeetingSession.objects.count() == 1000
    large = count_queries(client, url)
    assert small == large
    assert large <= 14


def test_body_detail_runs_a_fixed_number_of_queries(client, editor, koshitsu):
    client.force_login(editor)
    body = make_body(koshitsu, "全国市長会", key="zenkoku")
    url = reverse("meetings:body-detail", args=[body.pk]) + "?fy=2024"
    bulk_sessions(body, 5)
    small = count_queries(client, url)
    bulk_sessions(make_body(koshitsu, "別", key="other"), 10)
    MeetingSession.objects.filter(body__key="other").update(body=body, category="総会")
    make_manual_count(body, "部会", 3)
    large = count_queries(client, url)
    assert small == large


def test_pages_render_for_an_editor(client, editor, koshitsu):
    client.force_login(editor)
    body = make_body(koshitsu, "全国市長会", key="zenkoku", purpose="目的の文言")
    session = make_session(
        body, "2024-06-04", sequence=1, format="written", agenda=[("議題", "諮問")]
    )
    count = make_manual_count(body, "総会", 2, written=1)
    for url in (
        reverse("meetings:body-list"),
        reverse("meetings:body-detail", args=[body.pk]) + "?fy=2024",
        reverse("meetings:body-create"),
        reverse("meetings:body-edit", args=[body.pk]),
        reverse("meetings:body-delete", args=[body.pk]),
        reverse("meetings:session-list"),
        reverse("meetings:session-create", args=[body.pk]) + "?fy=2024",
        reverse("meetings:session-edit", args=[session.pk]),
        reverse("meetings:session-delete", args=[session.pk]),
        reverse("meetings:count-create", args=[body.pk]) + "?fy=2024",
        reverse("meetings:count-edit", args=[count.pk]),
        reverse("meetings:count-delete", args=[count.pk]),
        reverse("meetings:import"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    detail = client.get(
        reverse("meetings:body-detail", args=[body.pk]) + "?fy=2024"
    ).content.decode()
    assert "手入力" in detail and "２回（うち書面開催１回）" in detail
    assert "・議題（諮問）" in detail  # the report preview


def test_other_departments_records_are_404_and_anonymous_users_go_to_login(
    client, other_editor, koshitsu
):
    body = make_body(koshitsu, "全国市長会", key="zenkoku")
    session = make_session(body, "2024-06-04")
    count = make_manual_count(body, "総会", 2)
    urls = [
        reverse("meetings:body-detail", args=[body.pk]),
        reverse("meetings:body-edit", args=[body.pk]),
        reverse("meetings:body-delete", args=[body.pk]),
        reverse("meetings:session-create", args=[body.pk]),
        reverse("meetings:session-edit", args=[session.pk]),
        reverse("meetings:session-delete", args=[session.pk]),
        reverse("meetings:count-create", args=[body.pk]),
        reverse("meetings:count-edit", args=[count.pk]),
        reverse("meetings:count-delete", args=[count.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302
    client.force_login(other_editor)
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {}).status_code == 404, url
    assert MeetingSession.objects.count() == 1 and ManualCount.objects.count() == 1
    assert MeetingBody.objects.count() == 1
    assert "全国市長会" not in client.get(reverse("meetings:session-list")).content.decode()


def test_reviewer_sees_but_may_not_edit(client, reviewer, koshitsu):
    body = make_body(koshitsu, "全国市長会", key="zenkoku")
    client.force_login(reviewer)
    assert client.get(reverse("meetings:body-detail", args=[body.pk])).status_code == 200
    response = client.post(reverse("meetings:body-edit", args=[body.pk]), {"name": "x"})
    assert response.status_code == 403
    assert "権限がありません" in response.content.decode()
    body.refresh_from_db()
    assert body.name == "全国市長会"


def session_post(**overrides):
    data = {
        "fiscal_year": "2024",
        "category": "総会",
        "sequence": "１",
        "start": "令和6年6月4日",
        "end": "",
        "format": "written",
        "venue": "",
        "attendance": "",
        "agenda": "・議題（報告）",
        "note": "",
    }
    data.update(overrides)
    return data


def test_session_form_creates_and_shows_errors_on_the_fields(client, editor, koshitsu):
    client.force_login(editor)
    body = make_body(koshitsu, "全国市長会", key="zenkoku")
    url = reverse("meetings:session-create", args=[body.pk]) + "?fy=2024"
    response = client.post(url, session_post(start="2025-06-04", attendance="-2", end="2024-01-01"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "令和6年度（令和6年4月1日～令和7年3月31日）の範囲外です" in page
    assert "出席者数に負の値（△2）は入力できません" in page
    assert 'aria-invalid="true"' in page
    assert not MeetingSession.objects.exists()
    response = client.post(url, session_post())
    assert response.status_code == 302
    session = MeetingSession.objects.get()
    assert (session.sequence, session.format) == (1, "written")
    assert list(session.agenda_items.values_list("text", "marker")) == [("議題", "報告")]
    # the same 第１回 again is refused on its field
    page = client.post(url, session_post()).content.decode()
    assert "「総会」の第1回は令和6年度にすでに登録されています" in page
    assert MeetingSession.objects.count() == 1


def test_session_edit_with_a_stale_version_says_so(client, editor, koshitsu):
    client.force_login(editor)
    body = make_body(koshitsu, "全国市長会", key="zenkoku")
    session = make_session(body, "2024-06-04", sequence=1, category="総会")
    url = reverse("meetings:session-edit", args=[session.pk])
    MeetingSession.objects.filter(pk=session.pk).update(version=2, venue="他の人の変更")
    response = client.post(url, session_post(version="1", venue="古い画面"))
    assert "他の人が更新しました" in response.content.decode()
    session.refresh_from_db()
    assert session.venue == "他の人の変更"


def test_body_form_creates_and_edits(client, editor, koshitsu, zaisei):
    client.force_login(editor)
    response = client.post(
        reverse("meetings:body-create"),
        {
            "key": "tokyo-shichokai",
            "name": "東京都市長会",
            "kind": "会議",
            "department": koshitsu.pk,
            "role": "member",
            "purpose": "",
            "parent": "",
            "numbering": "yearly",
            "active_from": "",
            "active_to": "",
        },
    )
    assert response.status_code == 302
    body = MeetingBody.objects.get()
    assert body.key == "tokyo-shichokai"
    # another department is not even offered
    response = client.post(
        reverse("meetings:body-create"),
        {
            "name": "他課",
            "kind": "会議",
            "department": zaisei.pk,
            "role": "member",
            "numbering": "yearly",
        },
    )
    assert response.status_code == 200 and MeetingBody.objects.count() == 1
    response = client.post(
        reverse("meetings:body-edit", args=[body.pk]),
        {
            "key": "changed",
            "name": "東京都市長会（改）",
            "kind": "会議",
            "department": koshitsu.pk,
            "role": "member",
            "numbering": "yearly",
            "version": "1",
        },
    )
    assert response.status_code == 302
    body.refresh_from_db()
    assert (body.name, body.key, body.version) == ("東京都市長会（改）", "tokyo-shichokai", 2)


def test_session_csv_export_can_be_imported_again(client, editor, koshitsu):
    client.force_login(editor)
    body = make_body(koshitsu, "全国市長会", key="zenkoku")
    make_session(
        body,
        "2024-06-04",
        sequence=1,
        category="総会",
        format="hybrid",
        agenda=[("議題A", "諮問"), "議題B\n①続き"],
        attendance=3,
    )
    response = client.get(reverse("meetings:session-export") + "?fiscal_year=2024")
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("会議体,区分,回,開催日,終了日,開催形式")
    assert "zenkoku,総会,1,2024-06-04,,ハイブリッド開催,,3" in text
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("export.csv", response.content, content_type="text/csv")
    page = client.post(
        reverse("meetings:import"),
        {"action": "preview", "file": upload, "fiscal_year": "2024", "replace": "on"},
    ).content.decode()
    assert "1行とも取り込めます" in page
