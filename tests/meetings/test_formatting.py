"""How meetings print: count notes, agenda text, the compacted date column."""

import pytest

from meetings import formatting


@pytest.mark.parametrize(
    ("total", "by_format", "expected"),
    [
        (2, {}, "２回"),
        (0, {}, "０回"),
        (12, {"online": 0}, "１２回"),
        (1, {"written": 1}, "１回（書面開催）"),
        (2, {"written": 2}, "２回（書面開催）"),
        (1, {"hybrid": 1}, "１回（ハイブリッド開催）"),
        (3, {"online": 3}, "３回（オンライン開催）"),
        (4, {"online": 1}, "４回（うちオンライン１回）"),
        (2, {"written": 1}, "２回（うち書面開催１回）"),
        (5, {"online": 1, "written": 2}, "５回（うちオンライン１回、書面開催２回）"),
        (2, {"online": 1, "written": 1}, "２回（うちオンライン１回、書面開催１回）"),
    ],
)
def test_count_line(total, by_format, expected):
    assert formatting.count_line(total, by_format) == expected


def test_agenda_text_with_bullets_continuations_and_markers_round_trips():
    text = (
        "・あきる野市観光施設の指定管理者の候補者について（諮問）\n"
        "・第２次総合計画の進捗について\n①進捗管理シート【１】\n②進捗管理シート【２】\n"
        "\n"
        "・決算の状況について(報告)"
    )
    items = formatting.parse_agenda_text(text)
    assert items == [
        {"text": "あきる野市観光施設の指定管理者の候補者について", "marker": "諮問"},
        {
            "text": "第２次総合計画の進捗について\n①進捗管理シート【１】\n②進捗管理シート【２】",
            "marker": None,
        },
        {"text": "決算の状況について", "marker": "報告"},
    ]
    assert formatting.parse_agenda_text(formatting.agenda_to_text(items)) == items
    assert formatting.agenda_lines(items) == [
        "・あきる野市観光施設の指定管理者の候補者について（諮問）",
        "・第２次総合計画の進捗について",
        "①進捗管理シート【１】",
        "②進捗管理シート【２】",
        "・決算の状況について（報告）",
    ]


def test_agenda_text_without_bullets_is_one_item_a_line():
    assert [i["text"] for i in formatting.parse_agenda_text("議題A\r\n議題B\n  \n")] == [
        "議題A",
        "議題B",
    ]


def test_date_column_compacts_years_and_months_and_writes_ranges():
    sessions = [
        {"start": "2024-05-23", "end": "2024-06-04"},
        {"start": "2024-06-10", "end": None},
        {"start": "2024-06-20", "end": "2024-06-25"},
        {"start": "2025-03-30", "end": "2025-04-02"},
    ]
    assert formatting.date_column(sessions, pad=False) == [
        ("令和６年", "５月２３日～６月４日"),
        ("", "６月１０日"),
        ("", "２０日～２５日"),
        ("令和７年", "３月３０日～４月２日"),
    ]


def test_session_date_text_and_format_names():
    assert formatting.session_date_text({"start": "2024-05-23", "end": "2024-06-04"}) == (
        "令和６年５月２３日～６月４日"
    )
    assert formatting.format_note("in_person") == ""
    assert formatting.format_note("online") == "（オンライン開催）"
    assert formatting.parse_format("ハイブリット開催") == "hybrid"
    assert formatting.parse_format("（書面）") == "written"
    assert formatting.parse_format("ＷＥＢ") == "online"
    assert formatting.parse_format("電話") is None
    assert formatting.sequence_label(38) == "第３８回"
