"""Meetings render into the report as the printed FY2024 excerpt shows them (企画政策課)."""

import pytest

from tests import factories
from tests.meetings.factories import (
    make_body,
    make_manual_count,
    make_session,
    section_html,
    table_rows,
    visible_text,
)


@pytest.fixture
def kikaku_section(planning, report):
    return factories.make_section(planning, report)


def test_excerpt_tables_and_counts_render_as_printed(planning, kikaku_section):
    # Given the 市税等徴収状況報告会 with its four sessions of FY2024,
    shizei = make_body(
        planning, "市税等徴収状況報告会", key="shizei", kind="会議", role="organiser"
    )
    make_session(
        shizei,
        "2024-06-04",
        sequence=1,
        category="報告会",
        format="written",
        agenda=["令和６年３月末現在の市税等の徴収状況について"],
    )
    make_session(
        shizei,
        "2024-08-28",
        sequence=2,
        category="報告会",
        agenda=["令和５年度の総括、令和６年度の目標値設定と取組について", "債権の取扱いについて"],
    )
    make_session(
        shizei,
        "2024-12-27",
        sequence=3,
        category="報告会",
        format="written",
        agenda=["令和６年９月末現在の市税等の徴収状況について"],
    )
    make_session(
        shizei,
        "2025-03-25",
        sequence=4,
        category="報告会",
        agenda=["令和６年１２月末現在の市税等の徴収状況について", "債権管理の在り方について"],
    )
    # the 指定管理者選定委員会 第３８回 session (its numbering continues across years),
    sentei = make_body(
        planning,
        "あきる野市指定管理者選定委員会",
        key="sentei",
        kind="委員会",
        numbering="continuous",
    )
    make_session(
        sentei,
        "2024-10-15",
        sequence=38,
        agenda=[
            (
                "あきる野市観光施設（秋川橋河川公園、第１水辺公園リバーサイドパーク一の谷及び第４水辺公園秋川ふれあいランド）の指定管理者の候補者について",
                "諮問",
            ),
            (
                "あきる野市十里木・長岳観光施設（秋川渓谷瀬音の湯）の指定管理者の候補者について",
                "諮問",
            ),
        ],
    )
    make_session(sentei, "2023-11-01", sequence=37, agenda=["前年度の会議"])  # not FY2024
    # and the 西多摩地域広域行政圏協議会, whose counts come from sessions and manual counts,
    nishitama = make_body(planning, "西多摩地域広域行政圏協議会", key="nishitama")
    for start in ("2024-05-20", "2025-02-10"):
        make_session(nishitama, start, category="協議会")
    for start in ("2024-07-01", "2024-11-11"):
        make_session(nishitama, start, category="審議会")
    make_manual_count(nishitama, "副市町村長会", 2)
    make_manual_count(nishitama, "教育長会", 2)
    make_manual_count(nishitama, "幹事会・事務局会議", 4)
    # embedded in 企画政策課's section like the printed report,
    s = kikaku_section
    kyogikai = factories.make_item(s, "各種協議会等関係")
    body_item = factories.make_item(s, "西多摩地域広域行政圏協議会", parent=kyogikai)
    kaigi = factories.make_item(s, "会議", parent=body_item)
    factories.make_block(
        kaigi,
        "meeting_counts",
        {
            "entries": [
                {"body": "nishitama", "category": c}
                for c in ("協議会", "審議会", "副市町村長会", "教育長会", "幹事会・事務局会議")
            ],
            "columns": 2,
        },
    )
    shizei_item = factories.make_item(s, "市税等徴収状況報告会")
    factories.make_block(shizei_item, "meeting_table", {"body": "shizei"})
    for heading in ("市議会関係", "庁議関係"):
        factories.make_item(s, heading)
    sentei_item = factories.make_item(s, "あきる野市指定管理者選定委員会")
    factories.make_block(sentei_item, "meeting_table", {"body": "sentei"})

    # When the section is rendered,
    markup = section_html(s)
    text = visible_text(markup)

    # then the counts read as printed, numbered one level below ア,
    assert "（ア）協議会 ２回" in text
    assert "（イ）審議会 ２回" in text
    assert "（ウ）副市町村長会 ２回" in text
    assert "（エ）教育長会 ２回" in text
    assert "（オ）幹事会・事務局会議 ４回" in text
    # the 市税等 table shows 第n回, the era-year on the first row of each year, the format note
    # and the agenda as ・ lines,
    rows = table_rows(markup)
    assert ["開催日", "内容"] in rows
    assert [
        "第１回/令和６年/６月 ４日/（書面開催）",
        "・令和６年３月末現在の市税等の徴収状況について",
    ] in rows
    assert [
        "第２回/８月２８日",
        "・令和５年度の総括、令和６年度の目標値設定と取組について/・債権の取扱いについて",
    ] in rows
    assert [
        "第３回/１２月２７日/（書面開催）",
        "・令和６年９月末現在の市税等の徴収状況について",
    ] in rows
    assert [
        "第４回/令和７年/３月２５日",
        "・令和６年１２月末現在の市税等の徴収状況について/・債権管理の在り方について",
    ] in rows
    # and the 指定管理者選定委員会 table its 第３８回 with （諮問）, and nothing of FY2023.
    assert [
        "第３８回/令和６年/１０月１５日",
        "・あきる野市観光施設（秋川橋河川公園、第１水辺公園リバーサイドパーク一の谷及び第４水辺公園秋川ふれあいランド）の指定管理者の候補者について（諮問）"
        "/・あきる野市十里木・長岳観光施設（秋川渓谷瀬音の湯）の指定管理者の候補者について（諮問）",
    ] in rows
    assert "前年度の会議" not in text
    assert "第３７回" not in text
    for needle in (
        "第１回",
        "令和６年",
        "６月 ４日",
        "（書面開催）",
        "・令和６年３月末現在の市税等の徴収状況について",
        "（ア）協議会 ２回",
    ):
        assert needle in text
