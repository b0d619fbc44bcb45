"""Charts (reports/charts.py): deterministic SVG with a text alternative, Japanese labels, △ for
negatives, the choice stored in the block's data and validated with a Japanese message."""

from __future__ import annotations

from datetime import date

import pytest

from akiruno.exceptions import InvalidInput
from reports import blocks, charts

MONTHS = ["４", "５", "６", "７", "８", "９", "１０", "１１", "１２", "１", "２", "３"]


def _monthly(**extra) -> dict:
    return blocks.get("monthly_table").clean(
        {
            "caption": "市長への手紙<受付>",
            "measures": [{"label": "件数", "unit": "件", "values": [3, 5, 0, -2] + [1] * 8}],
            "summary": ["sum"],
            **extra,
        }
    )


def test_month_chart_is_deterministic_labelled_and_escaped():
    data = _monthly()
    kind = blocks.get("monthly_table")
    first = kind.view(data, None, depth=1)["charts"]
    second = kind.view(_monthly(), None, depth=1)["charts"]
    assert [c.svg for c in first] == [c.svg for c in second]  # same data, same bytes
    (chart,) = first
    assert chart.kind == "bar"
    assert chart.svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert 'role="img"' in chart.svg and "<title>" in chart.svg
    assert "<受付>" not in chart.svg and "&lt;受付&gt;" in chart.svg  # typed text is escaped
    for month in MONTHS:
        assert f">{month}月<" in chart.svg
    assert ">△2<" in chart.svg  # negatives as △, never "-2"
    assert "（単位：件）" in chart.svg
    # The text alternative states what it shows and its key figures.
    assert "月別の棒グラフ" in chart.alt
    assert "最多は５月の5件" in chart.alt and "最少は７月の△2件" in chart.alt
    assert "12か月の合計は14件" in chart.alt


def test_the_chart_choice_is_part_of_the_data():
    kind = blocks.get("monthly_table")
    assert "chart" not in _monthly()  # not chosen: the default (bars), nothing stored
    line = _monthly(chart="line")
    assert line["chart"] == "line"
    assert kind.view(line, None, depth=1)["charts"][0].kind == "line"
    assert "<polyline" in kind.view(line, None, depth=1)["charts"][0].svg
    off = _monthly(chart="none")
    assert kind.view(off, None, depth=1)["charts"] == []
    with pytest.raises(InvalidInput) as caught:
        _monthly(chart="pie")
    assert "グラフは" in caught.value.details["/chart"]


def test_finance_kinds_list_their_charts_and_refuse_others():
    budget = blocks.get("budget_statement")
    assert budget.clean({"account": "kokuho"}) == {"account": "kokuho"}
    assert budget.clean({"account": "kokuho", "chart": "none"})["chart"] == "none"
    with pytest.raises(InvalidInput):
        budget.clean({"account": "kokuho", "chart": "line"})
    assert blocks.get("fund_table").clean({"funds": None, "chart": "waterfall"})["chart"]
    assert blocks.get("bond_table").clean({"view": "balances", "chart": "waterfall"})


def test_budget_chart_states_final_budget_settlement_and_rate():
    account = {
        "key": "kokuho",
        "name": "国民健康保険特別会計",
        "kind": "special",
        "unit": "千円",
        "order": 1,
        "department": "zaisei",
        "supplementary_count": 0,
        "parts": [
            {
                "part": "revenue",
                "lines": [
                    {
                        "number": "1",
                        "name": "国民健康保険税",
                        "initial": 1000,
                        "supplementary": [],
                        "appropriation": None,
                        "settlement": 950,
                        "children": [],
                    },
                    {
                        "number": "2",
                        "name": "繰入金",
                        "initial": 500,
                        "supplementary": [],
                        "appropriation": None,
                        "settlement": 500,
                        "children": [],
                    },
                ],
            },
            {"part": "expenditure", "lines": []},
        ],
    }
    view = blocks.get("budget_statement").view({"account": "kokuho"}, {"account": account}, depth=1)
    (entry,) = view["entries"]
    (chart,) = entry["charts"]  # 歳出 has no lines: no chart for it
    assert "最終予算額" in chart.svg and "決算額" in chart.svg and "執行率 95.0％" in chart.svg
    assert "歳入合計は最終予算額1,500千円、決算額1,450千円（執行率 96.7％）" in chart.alt
    off = blocks.get("budget_statement").view(
        {"account": "kokuho", "chart": "none"}, {"account": account}, depth=1
    )
    assert off["entries"][0]["charts"] == []


def test_waterfall_marks_increases_and_decreases_in_words():
    chart = charts.waterfall_chart(
        title="財政調整基金の増減",
        steps=[
            charts.Step("前年度末現在高", 5000, total=True),
            charts.Step("積立額", 1200),
            charts.Step("繰入額", -2000),
            charts.Step("年度末現在高", 4200, total=True),
        ],
        unit="千円",
        alt="財政調整基金",
    )
    assert ">＋1,200<" in chart.svg and ">△2,000<" in chart.svg and ">4,200<" in chart.svg


def test_timeline_chart_names_each_line_and_the_deadline():
    chart = charts.timeline_chart(
        title="状態ごとの件数の推移",
        dates=[date(2025, 4, 1), date(2025, 5, 10)],
        series=[("作成中", [3, 1]), ("承認済", [0, 2])],
        deadline=date(2025, 5, 31),
        unit="件",
        alt="推移",
    )
    assert "作成中 1件" in chart.svg and "承認済 2件" in chart.svg
    assert "提出期限 ５月３１日" in chart.svg
