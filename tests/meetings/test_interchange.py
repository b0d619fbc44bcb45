"""The "meetings" object of the interchange format: export, import, round trip, refusals."""

import copy
import json
from pathlib import Path

import pytest

from akiruno.exceptions import InvalidInput
from meetings.interchange import export_meetings, import_meetings
from meetings.models import AgendaItem, ManualCount, MeetingBody, MeetingSession
from reports.models import Department
from tests.meetings.factories import make_body, make_manual_count, make_session

DEMO = Path(__file__).resolve().parents[2] / "meetings" / "demo" / "kikaku-seisaku-fy2024.json"


def departments():
    return {d.code: d for d in Department.objects.all()}


def demo():
    return json.loads(DEMO.read_text(encoding="utf-8"))["meetings"]


def wipe():
    AgendaItem.objects.all().delete()
    MeetingSession.objects.all().delete()
    ManualCount.objects.all().delete()
    MeetingBody.objects.filter(parent__isnull=False).delete()
    MeetingBody.objects.all().delete()


def test_round_trip_export_import_export_gives_equal_json(planning, koshitsu):
    # Given records of several years, a parent from another department, a range and markers,
    parent = make_body(koshitsu, "全国市長会", key="zenkoku-shichokai", kind="会議", role="member")
    body = make_body(
        planning,
        "審議会A",
        key="shingikai-a",
        kind="審議会",
        role="organiser",
        purpose="「目的」をそのまま",
        parent=parent,
        numbering="continuous",
        active_from=2020,
    )
    make_session(
        body,
        "2024-05-23",
        end="2024-06-04",
        sequence=12,
        format="written",
        venue="本庁舎",
        attendance=15,
        note="委嘱式を併せて実施",
        agenda=[("諮問の議題", "諮問"), "一般の議題\n①続きの行", ("報告の議題", "報告")],
    )
    make_session(body, "2025-03-01", sequence=13, format="hybrid")
    make_session(body, "2023-06-01", sequence=11)  # another year: not exported for 2024
    make_manual_count(body, "部会", 3, online=1, written=1)
    make_body(planning, "昔の会議体", key="retired", active_from=2010, active_to=2015)
    first = export_meetings(fiscal_year=2024)
    assert [b["key"] for b in first["bodies"]] == ["shingikai-a", "zenkoku-shichokai"]
    assert [s["sequence"] for s in first["bodies"][0]["sessions"]] == [12, 13]

    # When it is imported into an empty database and exported again,
    text = json.dumps(first, ensure_ascii=False)
    wipe()
    import_meetings(json.loads(text), fiscal_year=2024, departments=departments())
    second = export_meetings(fiscal_year=2024)

    # then the JSON is the same.
    assert second == first
    assert MeetingSession.objects.count() == 2


def test_round_trip_of_the_excerpt_data(planning):
    data = demo()
    import_meetings(copy.deepcopy(data), fiscal_year=2024, departments=departments())
    first = export_meetings(fiscal_year=2024)
    assert len(first["bodies"]) == len(data["bodies"])
    wipe()
    import_meetings(copy.deepcopy(first), fiscal_year=2024, departments=departments())
    assert export_meetings(fiscal_year=2024) == first


def test_import_upserts_bodies_by_key_and_replaces_the_year_only(planning):
    body = make_body(planning, "旧名称", key="kyogikai")
    old = make_session(body, "2023-05-01", sequence=1)
    make_session(body, "2024-05-01", sequence=1, agenda=["消える議題"])
    import_meetings(
        {
            "bodies": [
                {
                    "key": "kyogikai",
                    "name": "新名称",
                    "kind": "協議会",
                    "department": "kikaku-seisaku",
                    "role": "member",
                    "sessions": [
                        {
                            "category": "協議会",
                            "sequence": 2,
                            "start": "2024-07-01",
                            "agenda": [{"text": "新しい議題", "marker": None}],
                        }
                    ],
                }
            ]
        },
        fiscal_year=2024,
        departments=departments(),
    )
    body.refresh_from_db()
    assert body.name == "新名称"
    assert MeetingBody.objects.count() == 1
    assert list(
        MeetingSession.objects.filter(body=body)
        .values_list("fiscal_year", "sequence")
        .order_by("start")
    ) == [(2023, 1), (2024, 2)]
    assert MeetingSession.objects.filter(pk=old.pk).exists()
    assert list(AgendaItem.objects.values_list("text", flat=True)) == ["新しい議題"]


def test_import_reports_every_problem_with_json_pointers_and_writes_nothing(planning):
    data = {
        "bodies": [
            {
                "key": "ok-body",
                "name": "正しい会議体",
                "kind": "協議会",
                "department": "kikaku-seisaku",
                "sessions": [{"category": "協議会", "sequence": 1, "start": "2024-06-01"}],
            },
            {
                "key": "Bad Key",
                "name": "",
                "kind": "宴会",
                "department": "nowhere",
                "role": "boss",
                "parent": "missing-parent",
                "active_from": 2025,
                "active_to": 2020,
            },
            {
                "key": "ok-body",
                "name": "重複キー",
                "kind": "協議会",
                "department": "kikaku-seisaku",
            },
            {
                "key": "bad-sessions",
                "name": "誤りのある会議",
                "kind": "協議会",
                "department": "kikaku-seisaku",
                "sessions": [
                    {"category": "協議会", "sequence": 1, "start": "2025-04-01"},
                    {
                        "category": "協議会",
                        "sequence": 2,
                        "start": "2024-06-10",
                        "end": "2024-06-01",
                    },
                    {"category": "協議会", "sequence": 3, "start": "2024-07-01", "attendance": -3},
                    {"category": "協議会", "sequence": 3, "start": "2024-08-01", "format": "宇宙"},
                    {
                        "category": "協議会",
                        "start": "２０２４年１３月１日",
                        "agenda": [{"text": "x", "marker": "決定"}],
                    },
                ],
                "manual_counts": [
                    {"category": "総会", "count": 1, "by_format": {"written": 2}, "note": ""}
                ],
            },
        ]
    }
    with pytest.raises(InvalidInput) as exc:
        import_meetings(data, fiscal_year=2024, departments=departments())
    d = exc.value.details
    assert "キー「bad key」は使えません" in d["/meetings/bodies/1/key"]
    assert d["/meetings/bodies/1/name"] == "名称を入力してください。"
    assert "種類「宴会」は使えません" in d["/meetings/bodies/1/kind"]
    assert "nowhere" in d["/meetings/bodies/1/department"]
    assert "市の関わり「boss」" in d["/meetings/bodies/1/role"]
    assert (
        "活動終了年度（令和2年度）が活動開始年度（令和7年度）より前です"
        in d["/meetings/bodies/1/active_to"]
    )
    assert "missing-parent" in d["/meetings/bodies/1/parent"]
    assert "重複しています" in d["/meetings/bodies/2/key"]
    s = "/meetings/bodies/3/sessions"
    assert "令和7年4月1日" in d[f"{s}/0/start"] and "令和6年度" in d[f"{s}/0/start"]
    assert "範囲外" in d[f"{s}/0/start"]
    assert "終了日（令和6年6月1日）が開催日（令和6年6月10日）より前です。" == d[f"{s}/1/end"]
    assert "出席者数に負の値（△3）は入力できません" in d[f"{s}/2/attendance"]
    assert "第3回が重複しています" in d[f"{s}/3/sequence"]
    assert "開催形式「宇宙」は使えません" in d[f"{s}/3/format"]
    assert "13月はありません" in d[f"{s}/4/start"]
    assert "「決定」は使えません" in d[f"{s}/4/agenda/0/marker"]
    c = "/meetings/bodies/3/manual_counts/0"
    assert "超えています" in d[f"{c}/count"]
    assert d[f"{c}/note"] == "手入力の理由を入力してください。"
    # nothing was written, not even the correct body
    assert not MeetingBody.objects.exists()
    assert not MeetingSession.objects.exists()


def test_import_refuses_a_parent_cycle_and_a_continuous_number_used_in_another_year(planning):
    body = make_body(planning, "選定委員会", key="sentei", kind="委員会", numbering="continuous")
    make_session(body, "2023-10-01", sequence=37)
    data = {
        "bodies": [
            {
                "key": "a",
                "name": "A",
                "kind": "会議",
                "department": "kikaku-seisaku",
                "parent": "b",
            },
            {
                "key": "b",
                "name": "B",
                "kind": "会議",
                "department": "kikaku-seisaku",
                "parent": "a",
            },
            {
                "key": "sentei",
                "name": "選定委員会",
                "kind": "委員会",
                "department": "kikaku-seisaku",
                "numbering": "continuous",
                "sessions": [{"category": "委員会", "sequence": 37, "start": "2024-10-15"}],
            },
        ]
    }
    with pytest.raises(InvalidInput) as exc:
        import_meetings(data, fiscal_year=2024, departments=departments())
    d = exc.value.details
    assert "循環" in d["/meetings/bodies/0/parent"]
    assert "令和5年度に登録済み" in d["/meetings/bodies/2/sessions/0/sequence"]
    assert MeetingBody.objects.count() == 1
    assert MeetingSession.objects.count() == 1


def test_import_refuses_active_years_that_exclude_stored_sessions(planning):
    body = make_body(planning, "協議会", key="k")
    make_session(body, "2021-06-01", sequence=1)
    data = {
        "bodies": [
            {
                "key": "k",
                "name": "協議会",
                "kind": "協議会",
                "department": "kikaku-seisaku",
                "active_from": 2022,
            }
        ]
    }
    with pytest.raises(InvalidInput) as exc:
        import_meetings(data, fiscal_year=2024, departments=departments())
    assert "令和3年度の会議が登録されている" in exc.value.details["/meetings/bodies/0/active_from"]
    body.refresh_from_db()
    assert body.active_from is None


def test_import_refuses_something_that_is_not_an_object(planning):
    with pytest.raises(InvalidInput):
        import_meetings([], fiscal_year=2024, departments=departments())
    with pytest.raises(InvalidInput) as exc:
        import_meetings({"bodies": "x"}, fiscal_year=2024, departments=departments())
    assert "/meetings/bodies" in exc.value.details
