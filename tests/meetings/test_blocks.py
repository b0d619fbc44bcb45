"""meeting_counts and meeting_table: cleaning, bulk resolution, rendering from `resolved` only."""

import copy

import pytest

from akiruno.exceptions import InvalidInput
from reports import blocks
from reports.snapshot import resolve_blocks, section_content
from reports.tree import render_tree
from tests import factories
from tests.meetings.factories import make_body, make_manual_count, make_session

counts_kind = blocks.get("meeting_counts")
table_kind = blocks.get("meeting_table")


@pytest.fixture
def bodies(planning):
    a = make_body(planning, "協議会A", key="a")
    b = make_body(planning, "報告会B", key="b", kind="会議")
    make_session(a, "2024-05-01", category="協議会")
    make_session(a, "2024-06-01", category="協議会", format="online")
    make_session(a, "2023-06-01", category="協議会")
    make_manual_count(a, "幹事会", 4, online=1)
    make_session(a, "2024-07-01", category="幹事会")  # replaced by the manual count
    make_session(b, "2024-06-04", sequence=1, category="報告会", format="written", agenda=["議題1"])
    make_session(
        b,
        "2024-08-28",
        end="2024-09-03",
        sequence=2,
        category="報告会",
        agenda=[("議題2", "報告")],
        venue="本庁舎",
        attendance=12,
    )
    make_session(b, "2024-09-10", category="研修会", agenda=["研修"])
    return a, b


def test_clean_refuses_bad_data_listing_every_problem():
    with pytest.raises(InvalidInput) as exc:
        counts_kind.clean(
            {"entries": [{"body": ""}, {"body": "Not A Key"}, 3], "style": "x", "columns": 9}
        )
    d = exc.value.details
    assert set(d) == {"/entries/0/body", "/entries/1/body", "/entries/2", "/style", "/columns"}
    with pytest.raises(InvalidInput) as exc:
        table_kind.clean(
            {"body": "b", "columns": ["date", "date", "shoe"], "digits": "x", "categories": "y"}
        )
    d = exc.value.details
    assert "/columns/2" in d and "/columns" in d and "/digits" in d and "/categories" in d


def test_a_new_table_block_may_have_no_body_until_submission():
    data = table_kind.clean(table_kind.blank_data())
    assert data["body"] == ""
    assert table_kind.view(data, table_kind.resolve_many([data], fiscal_year=2024)[0], depth=1)[
        "unchosen"
    ]
    assert [p.message for p in table_kind.strict_problems(data, None)] == [
        "会議体が選ばれていません。"
    ]


def test_clean_fills_defaults():
    assert table_kind.clean({"body": "b"}) == {
        "body": "b",
        "categories": None,
        "content_label": "内容",
        "columns": ["date", "content"],
        "date_label": "開催日",
        "caption": "",
        "digits": "full",
    }
    assert counts_kind.clean({"entries": ["b"]}) == {
        "entries": [{"body": "b", "category": None, "label": None, "note": ""}],
        "style": "numbered",
        "columns": 1,
    }


def test_counts_come_from_the_years_sessions_or_the_manual_count(bodies):
    data = counts_kind.clean(
        {
            "entries": [
                {"body": "a", "category": "協議会"},
                {"body": "a", "category": "幹事会", "label": "幹事会・事務局会議"},
                {"body": "a", "category": "部会"},
                {"body": "b", "category": None, "label": "報告会等", "note": "（書面含む）"},
                {"body": "gone", "category": "総会"},
            ]
        }
    )
    resolved = counts_kind.resolve_many([data], fiscal_year=2024)[0]
    view = counts_kind.view(data, resolved, depth=3)
    lines = [(e["mark"], e["label"], e["count"], e["note"]) for e in view["entries"]]
    assert lines == [
        ("（ア）", "協議会", "２回（うちオンライン１回）", ""),
        ("（イ）", "幹事会・事務局会議", "４回（うちオンライン１回）", ""),
        ("（ウ）", "部会", "０回", ""),
        ("（エ）", "報告会等", "３回（うち書面開催１回）", "（書面含む）"),
        ("（オ）", "総会", "", ""),
    ]
    assert view["entries"][1]["source"] == "manual"
    assert view["entries"][4]["missing"]
    problems = counts_kind.strict_problems(data, resolved)
    assert [p.where for p in problems] == ["/entries/4/body"]


def test_resolve_many_runs_a_fixed_number_of_queries(bodies, django_assert_num_queries):
    one_counts = [counts_kind.clean({"entries": [{"body": "a", "category": "協議会"}]})]
    many_counts = one_counts * 30 + [counts_kind.clean({"entries": ["b", "a", "gone"]})] * 30
    with django_assert_num_queries(3):
        counts_kind.resolve_many(one_counts, fiscal_year=2024)
    with django_assert_num_queries(3):
        counts_kind.resolve_many(many_counts, fiscal_year=2024)
    one_table = [table_kind.clean({"body": "b"})]
    many_tables = [table_kind.clean({"body": k}) for k in ("a", "b", "gone")] * 20
    with django_assert_num_queries(3):
        table_kind.resolve_many(one_table, fiscal_year=2024)
    with django_assert_num_queries(3):
        table_kind.resolve_many(many_tables, fiscal_year=2024)


def test_view_renders_from_resolved_only_and_a_snapshot_stays_as_it_was(
    bodies, section, django_assert_num_queries
):
    # Given a section embedding a table, frozen as a snapshot would freeze it,
    item = factories.make_item(section, "報告会")
    factories.make_block(item, "meeting_table", {"body": "b", "categories": ["報告会"]})
    frozen = copy.deepcopy(section_content(section))
    # when the sessions are edited afterwards,
    _, b = bodies
    b.sessions.filter(sequence=1).update(venue="変更後")
    b.sessions.filter(sequence=2).delete()
    # then rendering the frozen content reads nothing from the database and shows the old data.
    with django_assert_num_queries(0):
        rendered = render_tree(frozen)
    table = rendered[0].blocks[0].view["table"]
    assert [r.cells[0].display for r in table.rows] == [
        "第１回\n令和６年\n６月 ４日\n（書面開催）",
        "第２回\n８月２８日～９月３日",
    ]
    assert table.rows[1].cells[1].display == "・議題2（報告）"
    # while live content follows the edit.
    live = render_tree(section_content(section))
    assert len(live[0].blocks[0].view["table"].rows) == 1


def test_table_columns_option_and_open_data_tables(bodies):
    data = table_kind.clean(
        {
            "body": "b",
            "columns": ["date", "venue", "attendance", "format"],
            "digits": "half",
            "caption": "報告会の状況",
        }
    )
    resolved = table_kind.resolve_many([data], fiscal_year=2024)[0]
    view = table_kind.view(data, resolved, depth=1)
    table = view["table"]
    assert [c["label"] for c in table.columns] == ["開催日", "開催会場", "出席者数", "開催形式"]
    assert [c.display for c in table.rows[1].cells] == [
        "第2回\n8月28日～9月3日",
        "本庁舎",
        "12",
        "対面",
    ]
    assert table.rows[0].cells[0].display == "第1回\n令和6年\n6月 4日"  # format in its own column
    assert view["caption_visible"]
    [open_data] = table_kind.tables(data, resolved)
    csv = open_data.csv_rows()
    assert csv[0] == [
        "回",
        "区分",
        "開催日",
        "終了日",
        "開催形式",
        "開催会場",
        "出席者数",
        "内容",
        "備考",
    ]
    assert csv[1] == ["1", "報告会", "2024-06-04", "", "書面開催", "", "", "議題1", ""]
    assert csv[2] == [
        "2",
        "報告会",
        "2024-08-28",
        "2024-09-03",
        "対面",
        "本庁舎",
        "12",
        "議題2（報告）",
        "",
    ]
    assert csv[3][:3] == ["", "研修会", "2024-09-10"]
    counts = counts_kind.clean({"entries": [{"body": "a", "category": "幹事会"}]})
    [counts_table] = counts_kind.tables(
        counts, counts_kind.resolve_many([counts], fiscal_year=2024)[0]
    )
    assert counts_table.csv_rows()[1] == [
        "幹事会",
        "協議会A",
        "幹事会",
        "4",
        "1",
        "0",
        "0",
        "手入力",
    ]


def test_table_strict_problems(bodies, planning):
    empty = make_body(planning, "空の会議体", key="empty")
    make_session(empty, "2024-06-01")  # no agenda
    for data, expected in (
        ({"body": "gone"}, "会議体「gone」が登録されていません。"),
        (
            {"body": "b", "categories": ["総会"]},
            "令和6年度の「報告会B」の会議は登録されていません。",
        ),
        ({"body": "empty"}, "（令和6年6月1日）の内容が入力されていません。"),
    ):
        data = table_kind.clean(data)
        resolved = table_kind.resolve_many([data], fiscal_year=2024)[0]
        [problem] = table_kind.strict_problems(data, resolved)
        assert expected in problem.message
    data = table_kind.clean({"body": "empty", "columns": ["date", "venue"]})
    assert (
        table_kind.strict_problems(data, table_kind.resolve_many([data], fiscal_year=2024)[0]) == []
    )


def test_snapshot_resolution_goes_through_the_registry(bodies):
    block_dicts = [
        {"kind": "meeting_counts", "data": counts_kind.clean({"entries": ["a"]})},
        {"kind": "meeting_table", "data": table_kind.clean({"body": "b"})},
    ]
    resolve_blocks(block_dicts, fiscal_year=2024)
    # all categories: 2 協議会 sessions + the manual 4 幹事会 (which replaces its one session)
    assert block_dicts[0]["resolved"]["entries"][0]["count"] == 6
    assert block_dicts[0]["resolved"]["entries"][0]["source"] == "mixed"
    assert [s["sequence"] for s in block_dicts[1]["resolved"]["sessions"]] == [1, 2, None]


def test_purpose_block_quotes_the_body_purpose_verbatim(planning, django_assert_num_queries):
    make_body(
        planning,
        "西多摩地域広域行政圏協議会",
        key="nishitama",
        purpose="西多摩地域の一体的整備…を行うこと",
    )
    make_body(
        planning,
        "平和首長会議",
        key="heiwa",
        kind="会議",
        role="affiliate",
        purpose="世界恒久平和の実現に寄与すること",
    )
    kind = blocks.get("meeting_purpose")
    datas = [
        kind.clean(
            {
                "body": "nishitama",
                "after": "を目的とする協議会の構成団体として、会議に出席するとともに、各種活動や共同事業を実施した。",
            }
        ),
        kind.clean({"body": "heiwa"}),
        kind.clean({"body": "gone"}),
    ]
    with django_assert_num_queries(1):
        resolved = kind.resolve_many(datas, fiscal_year=2024)
    texts = [kind.view(d, r, depth=2)["text"] for d, r in zip(datas, resolved, strict=True)]
    assert texts[0] == (
        "「西多摩地域の一体的整備…を行うこと」を目的とする協議会の構成団体として、会議に出席するとともに、"
        "各種活動や共同事業を実施した。"
    )
    assert (
        texts[1] == "「世界恒久平和の実現に寄与すること」を目的とする平和首長会議に加盟している。"
    )
    assert kind.view(datas[2], resolved[2], depth=2)["missing"]
    assert [p.message for p in kind.strict_problems(datas[2], resolved[2])] == [
        "会議体「gone」が登録されていません。"
    ]
