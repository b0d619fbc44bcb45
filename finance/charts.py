"""Charts of finance records (reports.charts), each next to the table it is drawn from.

Every function returns one list of charts per TableView that finance.tables returns for the
same record, in the same order, so a block can print each chart right after its table.
"""

from __future__ import annotations

from akiruno import numbers
from reports.charts import BarRow, Chart, Step, bar_chart, fmt, fmt_percent, waterfall_chart

from . import compute


def _rate(settlement: int | None, final: int | None) -> str:
    if settlement is None or not final:
        return ""
    return f"執行率 {fmt_percent(numbers.ratio_percent(settlement, final))}"


def account_charts(account: dict) -> list[list[Chart]]:
    """Per table of the 予算の執行状況: per side (歳入, 歳出 …), 最終予算額 against 決算額 per 款,
    with the execution rate."""
    n = account["supplementary_count"]
    unit = account["unit"]
    if account["kind"] == "enterprise":
        layout = [[revenue, expenditure] for _, revenue, expenditure in compute.ENTERPRISE_TABLES]
    else:
        layout = [["revenue", "expenditure"]]
    out = []
    for parts in layout:
        charts = []
        for part in parts:
            lines = compute.part_lines(account, part)
            if not lines:
                continue
            label = compute.PART_LABELS[part]
            rows = []
            for line in lines:
                figures = compute.line_figures(line, n)
                rows.append(
                    BarRow(
                        label=line["name"],
                        values=(figures.final, figures.settlement),
                        note=_rate(figures.settlement, figures.final),
                    )
                )
            total = compute.total_figures(lines, n)
            largest = max(rows, key=lambda r: (r.values[1] or 0, r.label))
            alt = (
                f"{account['name']}の{label}、款ごとの最終予算額と決算額の棒グラフ。"
                f"{label}合計は最終予算額{fmt(total.final)}{unit}、決算額{fmt(total.settlement)}{unit}"
                f"（{_rate(total.settlement, total.final) or '執行率 －'}）。"
                f"決算額が最も大きいのは{largest.label}の{fmt(largest.values[1])}{unit}"
                f"（{largest.note or '執行率 －'}）。"
            )
            charts.append(
                bar_chart(
                    title=f"{account['name']} {label}　最終予算額と決算額",
                    series=["最終予算額", "決算額"],
                    rows=rows,
                    unit=unit,
                    alt=alt,
                )
            )
        out.append(charts)
    return out


def comparison_charts(table: dict) -> list[list[Chart]]:
    """本年度 and 前年度 per row, with the change."""
    figures = compute.comparison_figures(table["rows"])
    rows = []
    for row, fig in zip(table["rows"], figures, strict=True):
        change = "" if fig.difference is None else f"増△減 {fmt(fig.difference)}"
        rows.append(BarRow(compute.row_label(row), (fig.current, fig.previous), change))
    unit = table["unit"]
    changed = [
        (row, fig) for row, fig in zip(rows, figures, strict=True) if fig.difference is not None
    ]
    alt = f"{table['title']}の本年度と前年度の棒グラフ（{len(rows)}区分）。"
    if changed:
        row, fig = max(changed, key=lambda p: (abs(p[1].difference), p[0].label))
        alt += (
            f"前年度からの増減が最も大きいのは{row.label}で、本年度{fmt(fig.current)}{unit}、"
            f"前年度{fmt(fig.previous)}{unit}、増△減{fmt(fig.difference)}{unit}"
            f"（比率{fmt_percent(fig.ratio)}）。"
        )
    return [
        [
            bar_chart(
                title=f"{table['title']}　本年度と前年度",
                series=["本年度", "前年度"],
                rows=rows,
                unit=unit,
                alt=alt,
            )
        ]
    ]


def loan_charts(bonds: dict) -> list[list[Chart]]:
    """The year's borrowing by purpose, largest first."""
    unit = bonds["unit"]
    rows = [BarRow(loan["purpose"], (loan["amount"],)) for loan in bonds["loans"]]
    if not rows:
        return [[]]
    total = compute.bond_figures(bonds).loans_total
    top = max(rows, key=lambda r: (r.values[0], r.label))
    alt = (
        f"地方債の借入額を借入目的別に大きい順に並べた棒グラフ（{len(rows)}件）。"
        f"合計{fmt(total)}{unit}、最も大きいのは{top.label}の{fmt(top.values[0])}{unit}。"
    )
    return [
        [
            bar_chart(
                title="地方債借入額（借入目的別）",
                series=["借入額"],
                rows=rows,
                unit=unit,
                alt=alt,
                sort=True,
            )
        ]
    ]


def balance_charts(bonds: dict) -> list[list[Chart]]:
    """The roll-forward of the debt: 前年度末現在高 → 借入額 → 元金償還額 → 年度末現在高."""
    unit = bonds["unit"]
    total = compute.bond_figures(bonds).total
    return [
        [
            _roll_forward(
                "地方債現在高",
                unit,
                total.opening,
                total.borrowed,
                total.repaid,
                total.closing,
                ("借入額", "元金償還額"),
            )
        ]
    ]


def fund_charts(funds: list[dict]) -> list[list[Chart]]:
    """One roll-forward per fund of the 基金 table; none for the breakdown tables."""
    out: list[list[Chart]] = []
    units = list(dict.fromkeys(f["unit"] for f in funds))
    for unit in units:
        charts = []
        for fund in (f for f in funds if f["unit"] == unit):
            fig = compute.fund_figures(fund)
            charts.append(
                _roll_forward(
                    fund["name"],
                    unit,
                    fig.opening,
                    fig.deposits,
                    fig.withdrawals,
                    fig.closing,
                    ("積立額", "繰入額"),
                )
            )
        out.append(charts)
    for fund in funds:
        if fund["deposits"] or fund["withdrawals"] or fund["sub_balances"]:
            out.append([])
    return out


def _roll_forward(
    name: str,
    unit: str,
    opening: int,
    added: int,
    removed: int,
    closing: int,
    labels: tuple[str, str],
) -> Chart:
    change = closing - opening
    alt = (
        f"{name}の増減のウォーターフォール図。前年度末現在高{fmt(opening)}{unit}に"
        f"{labels[0]}{fmt(added)}{unit}を加え、{labels[1]}{fmt(removed)}{unit}を除いて、"
        f"年度末現在高は{fmt(closing)}{unit}（前年度末から{'増' if change >= 0 else '減'}"
        f"{fmt(abs(change))}{unit}）。"
    )
    steps = [
        Step("前年度末現在高", opening, total=True),
        Step(labels[0], added),
        Step(labels[1], -removed),
        Step("年度末現在高", closing, total=True),
    ]
    return waterfall_chart(title=f"{name}の増減", steps=steps, unit=unit, alt=alt)


def grant_charts(grant: dict) -> list[list[Chart]]:
    """The projects a grant was charged to, largest first."""
    unit = grant["unit"]
    rows = [BarRow(p["name"], (p["amount"],)) for p in grant["projects"]]
    if not rows:
        return [[]]
    top = max(rows, key=lambda r: (r.values[0] or 0, r.label))
    alt = (
        f"{grant['name']}の充当額を事業別に大きい順に並べた棒グラフ（{len(rows)}事業）。"
        f"合計{fmt(compute.grant_total(grant))}{unit}、最も大きいのは{top.label}の"
        f"{fmt(top.values[0])}{unit}。"
    )
    return [
        [
            bar_chart(
                title=f"{grant['name']}の充当額（事業別）",
                series=["充当額"],
                rows=rows,
                unit=unit,
                alt=alt,
                sort=True,
            )
        ]
    ]
