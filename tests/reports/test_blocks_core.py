"""The built-in block kinds: cleaning refuses bad input with every problem listed; totals compute."""

from decimal import Decimal

import pytest

from akiruno.exceptions import InvalidInput
from reports import blocks

COUNCIL = {
    "caption": "市長提出案件数",
    "columns": [
        {"key": "name", "label": "会議名", "type": "text"},
        {"key": "senketsu", "label": "専決", "type": "integer"},
        {"key": "hokoku", "label": "報告", "type": "integer"},
        {"key": "gian", "label": "議案", "type": "integer"},
        {"key": "shimon", "label": "諮問", "type": "integer"},
    ],
    "rows": [
        ["令和６年第１回定例会第２回臨時会議", "０", "２", "２", "０"],
        ["令和６年第１回定例会６月定例会議", "0", "4", "8", "0"],
        ["令和６年第１回定例会第３回臨時会議", 0, 0, 0, 0],
        ["令和６年第１回定例会９月定例会議", 0, 3, 28, 0],
        ["令和６年第１回定例会１２月定例会議", 0, 2, 18, 1],
        ["令和７年第１回定例会開会会議", 0, 0, 0, 0],
        ["令和７年第１回定例会第１回臨時会議", 0, 0, 1, 0],
        ["令和７年第１回定例会３月定例会議", 0, 0, 28, 1],
    ],
    "summary": [{"op": "sum", "label": "合計"}],
    "digits": "full",
}


def test_table_total_row_is_computed_from_the_rows():
    kind = blocks.get("table")
    data = kind.clean(COUNCIL)
    view = kind.compute(data)
    total = view.rows[-1]
    assert total.kind == "total"
    assert [c.value for c in total.cells] == ["合計", 0, 11, 85, 2]
    assert [c.display for c in total.cells][1:] == ["０", "１１", "８５", "２"]


def test_table_refuses_typed_values_in_computed_columns_and_bad_cells_all_at_once():
    kind = blocks.get("table")
    bad = {
        "columns": [
            {"key": "a", "label": "前年度", "type": "integer"},
            {"key": "b", "label": "本年度", "type": "integer"},
            {
                "key": "d",
                "label": "増△減",
                "type": "integer",
                "computed": {"op": "difference", "of": ["b", "a"]},
            },
        ],
        "rows": [{"a": "abc", "b": 1, "d": 5}, ["1"]],
    }
    with pytest.raises(InvalidInput) as exc:
        kind.clean(bad)
    details = exc.value.details
    assert "/rows/0/a" in details and "abc" in details["/rows/0/a"]
    assert "/rows/0/d" in details and "計算" in details["/rows/0/d"]
    assert "/rows/1" in details and "セルの数" in details["/rows/1"]


def test_computed_difference_and_ratio_columns():
    kind = blocks.get("table")
    data = kind.clean(
        {
            "columns": [
                {"key": "label", "label": "区分", "type": "text"},
                {"key": "cur", "label": "本年度", "type": "integer"},
                {"key": "prev", "label": "前年度", "type": "integer"},
                {
                    "key": "diff",
                    "label": "増△減",
                    "type": "integer",
                    "computed": {"op": "difference", "of": ["cur", "prev"]},
                },
                {
                    "key": "ratio",
                    "label": "比率",
                    "type": "percent",
                    "computed": {"op": "ratio", "of": ["diff", "prev"]},
                },
            ],
            "rows": [
                ["基準財政需要額", "15,363,668", "14,868,612"],
                ["調整額", 0, 0],
                ["減った", 90, 100],
            ],
        }
    )
    rows = kind.compute(data).rows
    assert rows[0].cells[3].value == 495056 and rows[0].cells[4].display == "3.3"
    assert rows[1].cells[4].value is None
    assert rows[2].cells[3].display == "△10"


def test_stated_figure_needs_a_note_and_both_are_shown():
    kind = blocks.get("table")
    spec = {
        "columns": [
            {"key": "f", "label": "分野", "type": "text"},
            {"key": "n", "label": "件数", "type": "integer"},
        ],
        "rows": [["行財政", 5], ["総務", 2]],
        "summary": [{"op": "sum", "stated": {"n": 9}}],
    }
    with pytest.raises(InvalidInput) as exc:
        kind.clean(spec)
    assert "/summary/0/note" in exc.value.details
    spec["summary"][0]["note"] = "複数の分野にまたがる手紙があるため一致しない。"
    view = kind.compute(kind.clean(spec))
    total = view.rows[-1].cells[1]
    assert total.value == 7 and total.stated == 9
    assert "9" in total.display and "7" in total.display
    assert spec["summary"][0]["note"] in view.notes


def test_monthly_table_sum_and_half_up_average():
    kind = blocks.get("monthly_table")
    values = [
        277508,
        288059,
        288857,
        337692,
        313413,
        270325,
        289560,
        275039,
        234191,
        256946,
        241495,
        259434,
    ]
    data = kind.clean(
        {
            "measures": [{"label": "件数", "values": values}],
            "summary": ["average", "sum"],
            "split": 2,
        }
    )
    measure = kind.compute(data)["measures"][0]
    assert measure["summaries"]["sum"] == 3_332_519
    assert measure["summaries"]["average"] == 277_710  # 277,709.9… rounded half up
    view = kind.view(data, None, depth=2)
    assert view["halves"][0]["summary_labels"] == ["月平均"]
    assert view["halves"][1]["rows"][0]["summaries"] == ["3,332,519"]


def test_monthly_table_refuses_eleven_months_and_text():
    kind = blocks.get("monthly_table")
    with pytest.raises(InvalidInput) as exc:
        kind.clean({"measures": [{"label": "件数", "values": [1] * 11}]})
    assert "/measures/0/values" in exc.value.details
    with pytest.raises(InvalidInput) as exc:
        kind.clean({"measures": [{"label": "件数", "values": ["x"] + [1] * 11}]})
    assert "4月" in exc.value.details["/measures/0/values/0"]


def test_counts_with_total_and_comparison():
    kind = blocks.get("counts")
    data = kind.clean(
        {
            "entries": [
                {"label": "行財政に関するもの", "value": "５", "unit": "件"},
                {"label": "総務・人事に関するもの", "value": 2, "unit": "件"},
            ],
            "total": {
                "label": "市長への手紙内訳",
                "unit": "件",
                "compare": 96,
                "note": "手紙によっては、複数の分野があり受付件数と一致しない。",
            },
            "columns": 2,
        }
    )
    view = kind.view(data, None, depth=2)
    assert view["total"]["value"] == 7
    assert view["entries"][0]["mark"] == "ア" and view["entries"][0]["count"] == "５件"
    assert len(view["rows"]) == 1


def test_text_never_keeps_markup_special():
    data = blocks.get("text").clean({"paragraphs": ["<script>alert(1)</script>本文"]})
    assert data["paragraphs"] == [
        "<script>alert(1)</script>本文"
    ]  # stored as text, escaped on output


def test_unknown_kind_is_refused_in_japanese():
    with pytest.raises(InvalidInput) as exc:
        blocks.get("nope")
    assert "ブロック" in exc.value.message


def test_average_rounds_half_up():
    from reports.tables import average

    assert average([1, 2]) == 2  # 1.5 -> 2
    assert average([1, 2, 2], places=1) == Decimal("1.7")
