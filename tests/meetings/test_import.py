"""Importing sessions from .xlsx/CSV: preview with per-row errors, then all rows or none."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from akiruno.exceptions import InvalidInput
from meetings import imports, spreadsheets
from meetings.models import AgendaItem, MeetingSession
from tests.meetings.factories import make_body, make_session

HEADER = "会議体,区分,回,開催日,終了日,開催形式,開催会場,出席者数,内容,備考\r\n"


@pytest.fixture
def bodies(koshitsu, zaisei):
    return (
        make_body(koshitsu, "全国市長会", key="zenkoku", kind="会議"),
        make_body(koshitsu, "東京都市長会", key="tokyo", kind="会議"),
        make_body(zaisei, "財政の会議", key="zaisei-kaigi"),
    )


def csv_upload(body: str, name="sessions.csv", encoding="utf-8-sig"):
    return SimpleUploadedFile(name, (HEADER + body).encode(encoding), content_type="text/csv")


def preview(client, upload, **extra):
    return client.post(
        reverse("meetings:import"),
        {"action": "preview", "file": upload, "fiscal_year": "2024", **extra},
    )


GOOD = (
    'zenkoku,通常総会,1,2024-06-04,,対面,東京,33,"・予算について（報告）\n・役員について",\r\n'
    "東京都市長会,全体会議,１,令和6年5月23日,令和6年6月4日,書面,,,,書面で実施\r\n"
)


def test_preview_writes_nothing_and_commit_writes_every_row(client, editor, bodies):
    client.force_login(editor)
    response = preview(client, csv_upload(GOOD))
    page = response.content.decode()
    assert "2行とも取り込めます" in page
    assert "令和6年5月23日～6月4日" in page
    assert not MeetingSession.objects.exists()
    payload = response.context["payload"]
    response = client.post(reverse("meetings:import"), {"action": "commit", "payload": payload})
    assert response.status_code == 302
    zenkoku, tokyo, _ = bodies
    first = MeetingSession.objects.get(body=zenkoku)
    assert (first.sequence, first.attendance, first.venue, first.fiscal_year) == (
        1,
        33,
        "東京",
        2024,
    )
    assert list(first.agenda_items.values_list("text", "marker")) == [
        ("予算について", "報告"),
        ("役員について", ""),
    ]
    second = MeetingSession.objects.get(body=tokyo)
    assert (second.format, second.end, second.note) == (
        "written",
        dt.date(2024, 6, 4),
        "書面で実施",
    )


def test_every_bad_row_gets_its_own_message_and_nothing_is_imported(client, editor, bodies):
    make_session(bodies[0], "2024-05-01", sequence=5, category="通常総会")
    client.force_login(editor)
    rows = (
        GOOD
        + "存在しない会議,総会,1,2024-07-01,,,,,,\r\n"  # row 4: unknown body
        + "zenkoku,通常総会,2,2025-04-02,,,,,,\r\n"  # row 5: outside FY2024
        + "zenkoku,通常総会,3,2024-07-10,2024-07-01,,,,,\r\n"  # row 6: end before start
        + "zenkoku,通常総会,1,2024-08-01,,,,,,\r\n"  # row 7: duplicate of row 2
        + "zenkoku,通常総会,5,2024-08-02,,,,,,\r\n"  # row 8: duplicate of a stored one
        + "zenkoku,通常総会,6,2024-08-03,,,,-4,,\r\n"  # row 9: negative attendance
        + "zaisei-kaigi,総会,1,2024-08-04,,,,,,\r\n"  # row 10: another department's (unseen)
        + "zenkoku,通常総会,7,2024-08-05,,電話,,,,\r\n"  # row 11: unknown format
    )
    response = preview(client, csv_upload(rows))
    check = response.context["check"]
    errors = {row.number: " ".join(row.error_lines()) for row in check.rows if not row.ok}
    assert set(errors) == {4, 5, 6, 7, 8, 9, 10, 11}
    assert "会議体「存在しない会議」は登録されていません" in errors[4]
    assert "令和6年度（令和6年4月1日～令和7年3月31日）の範囲外です" in errors[5]
    assert "終了日（令和6年7月1日）が開催日（令和6年7月10日）より前です" in errors[6]
    assert "2行目と重複しています" in errors[7]
    assert "第5回は令和6年度にすでに登録されています" in errors[8]
    assert "出席者数に負の値（△4）は入力できません" in errors[9]
    assert "会議体「zaisei-kaigi」は登録されていません" in errors[10]  # its existence does not leak
    assert "開催形式「電話」は使えません" in errors[11]
    page = response.content.decode()
    assert "8行に誤りがあります（何も取り込んでいません）" in page
    assert 'name="payload"' not in page
    assert MeetingSession.objects.count() == 1
    # The service refuses the same rows as a whole, with a pointer and row number per problem.
    with pytest.raises(InvalidInput) as exc:
        imports.import_session_rows(user=editor, fiscal_year=2024, rows=_rows(rows))
    assert exc.value.details["/rows/2/body"].startswith(
        "4行目: 会議体「存在しない会議」は登録されていません"
    )
    assert exc.value.details["/rows/9/format"].startswith("11行目: 開催形式「電話」は使えません")
    assert MeetingSession.objects.count() == 1
    assert not AgendaItem.objects.exists()


def _rows(text):
    return spreadsheets.read_upload(csv_upload(text)).rows


def test_a_member_who_can_see_another_departments_body_is_told_why_not(
    client, planning_head, bodies
):
    client.force_login(planning_head)
    check = preview(client, csv_upload("zaisei-kaigi,総会,1,2024-08-04,,,,,,\r\n")).context["check"]
    assert (
        check.rows[0].errors["body"]
        == "会議体「財政の会議」は財政課の会議体のため、取り込めません。"
    )


def test_xlsx_with_date_cells_and_numbers(client, editor, bodies):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["開 催 日", "会議体", "回", "内容（議事等）", "出席者数", "関係ない列"])
    sheet.append([dt.datetime(2024, 10, 15), "zenkoku", 38, "・候補者について（諮問）", 12.0, "x"])
    out = io.BytesIO()
    book.save(out)
    client.force_login(editor)
    upload = SimpleUploadedFile("会議.xlsx", out.getvalue())
    response = preview(client, upload)
    check = response.context["check"]
    assert check.ok, [r.errors for r in check.rows]
    session = check.rows[0].session
    assert (session.start, session.sequence, session.attendance, session.category) == (
        dt.date(2024, 10, 15),
        38,
        12,
        "会議",
    )
    assert session.agenda == [{"text": "候補者について", "marker": "諮問"}]
    assert response.context["ignored_columns"] == ["関係ない列"]


def test_shift_jis_csv_is_read(client, editor, bodies):
    client.force_login(editor)
    response = preview(
        client, csv_upload("全国市長会,総会,1,2024-06-04,,,,,・議題,\r\n", encoding="cp932")
    )
    assert response.context["check"].ok


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "photo.png",
            b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
            "スプレッドシートとして読めないファイルです",
        ),
        ("sessions.csv", b"%PDF-1.4\x00\x00binary", "スプレッドシートとして読めないファイルです"),
        (
            "old.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
            "Excel 97-2003 形式（.xls）には対応していません",
        ),
        ("broken.xlsx", b"PK\x03\x04broken", "ファイルが壊れているため読めません"),
        ("empty.csv", b"", "ファイルが空です"),
        ("nohead.csv", "区分,回\r\n総会,1\r\n".encode(), "「会議体」「開催日」の列がありません"),
    ],
)
def test_files_that_are_not_usable_spreadsheets_are_refused(
    client, editor, bodies, name, content, message
):
    client.force_login(editor)
    response = preview(client, SimpleUploadedFile(name, content))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "check" not in response.context
    assert not MeetingSession.objects.exists()


def test_files_over_the_size_limit_are_refused(client, editor, bodies, settings):
    settings.MAX_SPREADSHEET_UPLOAD_BYTES = 100
    client.force_login(editor)
    response = preview(client, csv_upload(GOOD * 5))
    assert "ファイルが大きすぎます" in response.content.decode()
    assert not MeetingSession.objects.exists()


def test_replace_mode_reimports_a_corrected_file(client, editor, bodies):
    zenkoku = bodies[0]
    make_session(zenkoku, "2024-06-04", sequence=1, category="通常総会", agenda=["古い"])
    make_session(zenkoku, "2023-06-04", sequence=1, category="通常総会")
    client.force_login(editor)
    without = preview(client, csv_upload(GOOD)).context["check"]
    assert not without.ok
    response = preview(client, csv_upload(GOOD), replace="on")
    assert response.context["check"].ok and response.context["check"].replaced == 1
    client.post(
        reverse("meetings:import"), {"action": "commit", "payload": response.context["payload"]}
    )
    assert MeetingSession.objects.filter(body=zenkoku, fiscal_year=2024).count() == 1
    assert MeetingSession.objects.filter(body=zenkoku, fiscal_year=2023).count() == 1
    assert not AgendaItem.objects.filter(text="古い").exists()


def test_a_tampered_or_stale_preview_is_refused(client, editor, bodies):
    client.force_login(editor)
    payload = preview(client, csv_upload(GOOD)).context["payload"]
    response = client.post(
        reverse("meetings:import"), {"action": "commit", "payload": payload + "x"}
    )
    assert response.status_code == 302
    assert not MeetingSession.objects.exists()
    # someone records the same 第1回 between the preview and the commit
    make_session(bodies[0], "2024-05-01", sequence=1, category="通常総会")
    response = client.post(reverse("meetings:import"), {"action": "commit", "payload": payload})
    assert response.status_code == 400
    assert "すでに登録されています" in response.content.decode()
    assert MeetingSession.objects.count() == 1


def test_only_department_members_may_import(client, reviewer, bodies):
    client.force_login(reviewer)
    assert client.get(reverse("meetings:import")).status_code == 403


def test_templates_download(client, editor):
    client.force_login(editor)
    csv = client.get(reverse("meetings:import-template", args=["csv"]))
    assert csv.content.decode("utf-8-sig").startswith("会議体,区分,回,開催日")
    xlsx = client.get(reverse("meetings:import-template", args=["xlsx"]))
    assert xlsx.content[:4] == b"PK\x03\x04"
    assert client.get(reverse("meetings:import-template", args=["exe"])).status_code == 404
