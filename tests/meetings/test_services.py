"""Services for bodies, sessions and manual counts: bad input is refused with a specific
Japanese message and leaves nothing changed; permissions follow the owning department."""

import datetime as dt

import pytest

from akiruno.exceptions import Conflict, InvalidInput, NotFound, PermissionDenied, StaleVersion
from meetings import services
from meetings.models import AgendaItem, ManualCount, MeetingBody, MeetingSession
from tests import factories
from tests.meetings.factories import make_body, make_manual_count, make_session


@pytest.fixture
def body(koshitsu):
    return make_body(koshitsu, "全国市長会", key="zenkoku", kind="会議")


def session_data(**overrides):
    data = {
        "category": "通常総会",
        "sequence": "第１回",
        "start": "令和6年6月4日",
        "end": "",
        "format": "対面",
        "venue": "東京",
        "attendance": "３３人",
        "agenda": "・予算について（報告）\n・役員の選任について",
        "note": "",
    }
    data.update(overrides)
    return data


def test_session_create_cleans_what_staff_type(editor, body):
    session = services.session_create(user=editor, body=body, fiscal_year=2024, data=session_data())
    assert (session.category, session.sequence, session.start, session.fiscal_year) == (
        "通常総会",
        1,
        dt.date(2024, 6, 4),
        2024,
    )
    assert session.attendance == 33
    assert list(session.agenda_items.values_list("text", "marker")) == [
        ("予算について", "報告"),
        ("役員の選任について", ""),
    ]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"start": "2025-04-01"},
            "start",
            "開催日（令和7年4月1日）が令和6年度（令和6年4月1日～令和7年3月31日）の範囲外です。",
        ),
        ({"start": "2024-03-31"}, "start", "範囲外です"),
        (
            {"start": "2024-06-04", "end": "2024-06-01"},
            "end",
            "終了日（令和6年6月1日）が開催日（令和6年6月4日）より前です。",
        ),
        (
            {"attendance": "-3"},
            "attendance",
            "出席者数に負の値（△3）は入力できません。0以上の整数を入力してください。",
        ),
        ({"attendance": "△5"}, "attendance", "出席者数に負の値（△5）"),
        ({"attendance": "たくさん"}, "attendance", "出席者数:"),
        ({"sequence": "0"}, "sequence", "回は1以上の整数で入力してください"),
        ({"start": ""}, "start", "開催日を入力してください。"),
        ({"start": "2024-02-30"}, "start", "存在しない日付"),
        ({"format": "電話会議"}, "format", "開催形式「電話会議」は使えません。"),
    ],
)
def test_session_bad_input_is_refused_with_a_specific_message(
    editor, body, overrides, field, message
):
    with pytest.raises(InvalidInput) as exc:
        services.session_create(
            user=editor, body=body, fiscal_year=2024, data=session_data(**overrides)
        )
    assert message in exc.value.details[field]
    assert not MeetingSession.objects.exists()
    assert not AgendaItem.objects.exists()


def test_every_problem_is_reported_at_once(editor, body):
    with pytest.raises(InvalidInput) as exc:
        services.session_create(
            user=editor,
            body=body,
            fiscal_year=2024,
            data=session_data(start="2025-05-01", end="2025-04-01", attendance="-1", format="?"),
        )
    assert set(exc.value.details) == {"start", "end", "attendance", "format"}
    assert "（4件）" in exc.value.message


def test_duplicate_sequence_within_a_body_and_year(editor, body):
    make_session(body, "2024-05-01", sequence=1, category="通常総会")
    make_session(body, "2023-05-01", sequence=2, category="通常総会")
    with pytest.raises(InvalidInput) as exc:
        services.session_create(user=editor, body=body, fiscal_year=2024, data=session_data())
    assert exc.value.details["sequence"] == (
        "「通常総会」の第1回は令和6年度にすでに登録されています（令和6年5月1日）。回の番号を確認してください。"
    )
    # another category, or the same number in another year of a yearly-numbered body, is fine
    services.session_create(
        user=editor, body=body, fiscal_year=2024, data=session_data(category="臨時総会")
    )
    services.session_create(
        user=editor, body=body, fiscal_year=2024, data=session_data(sequence="2")
    )
    assert MeetingSession.objects.filter(fiscal_year=2024).count() == 3


def test_continuous_numbering_refuses_a_number_of_another_year(editor, body):
    body.numbering = MeetingBody.Numbering.CONTINUOUS
    body.save()
    make_session(body, "2023-10-01", sequence=37, category="委員会")
    with pytest.raises(InvalidInput) as exc:
        services.session_create(
            user=editor,
            body=body,
            fiscal_year=2024,
            data=session_data(category="委員会", sequence="37"),
        )
    assert "令和5年度にすでに登録されています" in exc.value.details["sequence"]
    services.session_create(
        user=editor,
        body=body,
        fiscal_year=2024,
        data=session_data(category="委員会", sequence="38"),
    )


def test_session_outside_the_bodys_active_years(editor, body):
    body.active_to = 2023
    body.save()
    with pytest.raises(InvalidInput) as exc:
        services.session_create(user=editor, body=body, fiscal_year=2024, data=session_data())
    assert "活動年度は令和5年度までです" in exc.value.details["start"]


def test_session_update_replaces_the_agenda_and_guards_the_version(editor, body):
    session = make_session(body, "2024-06-04", sequence=1, category="通常総会", agenda=["古い議題"])
    updated = services.session_update(
        user=editor,
        session=session,
        version=session.version,
        fiscal_year=2024,
        data=session_data(agenda="・新しい議題", start="2024-07-01"),
    )
    assert updated.version == 2 and updated.start == dt.date(2024, 7, 1)
    assert list(AgendaItem.objects.values_list("text", flat=True)) == ["新しい議題"]
    with pytest.raises(StaleVersion):
        services.session_update(
            user=editor,
            session=session,
            version=1,
            fiscal_year=2024,
            data=session_data(venue="別会場"),
        )
    session.refresh_from_db()
    assert session.venue == "東京"


def test_session_update_may_move_to_another_year_only_when_told(editor, body):
    session = make_session(body, "2024-06-04", sequence=1, category="通常総会")
    with pytest.raises(InvalidInput):
        services.session_update(
            user=editor,
            session=session,
            version=1,
            fiscal_year=2024,
            data=session_data(start="2025-06-04"),
        )
    moved = services.session_update(
        user=editor,
        session=session,
        version=1,
        fiscal_year=2025,
        data=session_data(start="2025-06-04"),
    )
    assert moved.fiscal_year == 2025


def test_other_departments_cannot_see_or_touch_a_body(other_editor, body):
    session = make_session(body, "2024-06-04", sequence=1)
    with pytest.raises(NotFound):
        services.session_create(user=other_editor, body=body, fiscal_year=2024, data=session_data())
    with pytest.raises(NotFound):
        services.session_update(
            user=other_editor, session=session, version=1, fiscal_year=2024, data=session_data()
        )
    with pytest.raises(NotFound):
        services.session_delete(user=other_editor, session=session)
    with pytest.raises(NotFound):
        services.body_delete(user=other_editor, body=body)
    assert MeetingSession.objects.count() == 1
    assert MeetingBody.objects.count() == 1


def test_reviewers_see_but_do_not_edit_other_departments(reviewer, body):
    with pytest.raises(PermissionDenied):
        services.session_create(user=reviewer, body=body, fiscal_year=2024, data=session_data())
    assert not MeetingSession.objects.exists()


def test_body_create_and_refusals(editor, koshitsu, zaisei):
    body = services.body_create(
        user=editor,
        department=koshitsu,
        data={
            "key": "",
            "name": "東京都市長会",
            "kind": "会議",
            "role": "member",
            "active_from": "２０２４",
        },
    )
    assert body.key.startswith("body-") and body.active_from == 2024
    with pytest.raises(PermissionDenied):
        services.body_create(user=editor, department=zaisei, data={"name": "他課の会議体"})
    with pytest.raises(InvalidInput) as exc:
        services.body_create(
            user=editor,
            department=koshitsu,
            data={
                "key": body.key,
                "name": "",
                "kind": "飲み会",
                "active_from": "2025",
                "active_to": "2024",
            },
        )
    d = exc.value.details
    assert "すでに使われています" in d["key"]
    assert d["name"] == "名称を入力してください。"
    assert "種類「飲み会」は使えません" in d["kind"]
    assert "より前です" in d["active_to"]
    assert MeetingBody.objects.count() == 1


def test_body_update_checks_years_parents_and_numbering(editor, body, koshitsu):
    child = make_body(koshitsu, "部会", key="bukai", parent=body)
    make_session(body, "2022-06-01", sequence=1, category="総会")
    make_session(body, "2023-06-01", sequence=1, category="総会")
    with pytest.raises(InvalidInput) as exc:
        services.body_update(
            user=editor,
            body=body,
            version=body.version,
            department=koshitsu,
            parent=child,
            data={
                "name": body.name,
                "kind": "会議",
                "active_from": "2023",
                "numbering": "continuous",
            },
        )
    d = exc.value.details
    assert "下位の会議体は指定できません" in d["parent"]
    assert "令和4年度の会議（または回数）が登録されているため" in d["active_from"]
    assert "通し番号にはできません" in d["numbering"]
    body.refresh_from_db()
    assert (body.parent_id, body.active_from, body.numbering, body.version) == (
        None,
        None,
        "yearly",
        1,
    )
    services.body_update(
        user=editor,
        body=body,
        version=1,
        department=koshitsu,
        parent=None,
        data={"name": "新しい名前", "kind": "会議"},
    )
    with pytest.raises(StaleVersion):
        services.body_update(
            user=editor,
            body=body,
            version=1,
            department=koshitsu,
            parent=None,
            data={"name": "古い画面から", "kind": "会議"},
        )
    body.refresh_from_db()
    assert body.name == "新しい名前"


def test_body_delete_is_refused_while_a_report_block_uses_it(editor, body, section):
    item = factories.make_item(section, "会議")
    factories.make_block(
        item, "meeting_counts", {"entries": [{"body": "zenkoku", "category": "総会"}]}
    )
    make_session(body, "2024-06-01")
    with pytest.raises(Conflict) as exc:
        services.body_delete(user=editor, body=body)
    assert "令和6年度 市長公室" in exc.value.message
    assert MeetingBody.objects.filter(pk=body.pk).exists()
    item.blocks.all().delete()
    services.body_delete(user=editor, body=body)
    assert not MeetingBody.objects.exists() and not MeetingSession.objects.exists()


def test_manual_counts(editor, body):
    count = services.manual_count_create(
        user=editor,
        body=body,
        fiscal_year=2024,
        data={
            "category": "総会",
            "count": "２",
            "written": "1",
            "note": "他団体主催のため件数のみ",
        },
    )
    assert (count.count, count.written, count.online) == (2, 1, 0)
    with pytest.raises(InvalidInput) as exc:
        services.manual_count_create(
            user=editor,
            body=body,
            fiscal_year=2024,
            data={"category": "総会", "count": "1", "online": "2", "note": ""},
        )
    d = exc.value.details
    assert "すでにあります" in d["category"]
    assert "回数（1回）を超えています" in d["count"]
    assert d["note"] == "手入力の理由を入力してください。"
    with pytest.raises(InvalidInput) as exc:
        services.manual_count_update(
            user=editor,
            count=count,
            version=1,
            data={"category": "総会", "count": "-2", "note": "x"},
        )
    assert "回数に負の値（△2）は入力できません" in exc.value.details["count"]
    services.manual_count_update(
        user=editor, count=count, version=1, data={"category": "総会", "count": "3", "note": "x"}
    )
    with pytest.raises(StaleVersion):
        services.manual_count_update(
            user=editor,
            count=count,
            version=1,
            data={"category": "総会", "count": "4", "note": "x"},
        )
    assert ManualCount.objects.get().count == 3
    make_manual_count(body, "臨時総会", 1)
    services.manual_count_delete(user=editor, count=count)
    assert list(ManualCount.objects.values_list("category", flat=True)) == ["臨時総会"]
