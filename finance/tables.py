"""Finance records as reports.tables.TableView: one computed form for HTML, CSV and .xlsx.

Every figure in a TableView is computed here from the stored (input-only) figures by
finance.compute; the layout follows the printed report: a unit line, column groups
(補正予算額 第1号…第n号 | 合計, 対前年度比較 増△減 | 比率), 合計 rows and △ negatives.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from akiruno import numbers, wareki
from reports.tables import Cell, Row, TableView

from . import compute

TEXT = "text"
AMOUNT = "amount"


def _col(key: str, label: str, ctype: str = TEXT, unit: str | None = None, group: str = "") -> dict:
    col = {"key": key, "label": label, "type": ctype}
    if unit:
        col["unit"] = unit
    if group:
        col["group"] = group
    return col


def _amount(value: int | None, *, blank: str = "－") -> Cell:
    display = blank if value is None else numbers.format_integer(value)
    return Cell(value, display, AMOUNT)


def _text(value: str | None, *, header: bool = False, display: str | None = None) -> Cell:
    shown = (value or "") if display is None else display
    return Cell(value, shown, TEXT, is_header=header)


def _groups(columns: list[dict]) -> list[tuple[str, int]]:
    groups: list[tuple[str, int]] = []
    for col in columns:
        group = col.get("group", "")
        if groups and groups[-1][0] == group and group:
            groups[-1] = (group, groups[-1][1] + 1)
        else:
            groups.append((group, 1))
    return groups


# -- budget execution -----------------------------------------------------------------------


def budget_columns(n: int, unit: str) -> list[dict]:
    """区分 | 款 | 科目 | 当初予算額 | 補正予算額 (第1号…第n号 | 合計) | 充当額 | 最終予算額 | 決算額.

    With one supplementary budget the 合計 column is left out (it would repeat 第1号), as the
    printed report does; with none the 補正予算額 group is left out.
    """
    columns = [
        _col("part", "区分"),
        _col("number", "款"),
        _col("name", "科目"),
        _col("initial", "当初予算額", AMOUNT, unit),
    ]
    columns += [_col(f"s{k}", f"第{k}号", AMOUNT, unit, "補正予算額") for k in range(1, n + 1)]
    if n > 1:
        columns.append(_col("supplementary_total", "合計", AMOUNT, unit, "補正予算額"))
    columns += [
        _col("appropriation", "充当額", AMOUNT, unit),
        _col("final", "最終予算額", AMOUNT, unit),
        _col("settlement", "決算額", AMOUNT, unit),
    ]
    return columns


def _figure_cells(columns: list[dict], figures: compute.Figures) -> list[Cell]:
    cells = []
    for col in columns[3:]:
        key = col["key"]
        value = figures.column(key)
        blank = "" if key.startswith("s") or key == "appropriation" else "－"
        cells.append(_amount(value, blank=blank))
    return cells


def account_tables(account: dict) -> list[TableView]:
    """The printed 予算の執行状況: one table, or two for an enterprise account."""
    n = account["supplementary_count"]
    columns = budget_columns(n, account["unit"])
    if account["kind"] == "enterprise":
        layout = [
            (f"{account['name']} {caption}", [revenue, expenditure], f"{account['key']}-{revenue}")
            for caption, revenue, expenditure in compute.ENTERPRISE_TABLES
        ]
    else:
        layout = [(f"{account['name']} 予算の執行状況", ["revenue", "expenditure"], account["key"])]
    tables = []
    for caption, parts, slug in layout:
        rows: list[Row] = []
        for part in parts:
            label = compute.PART_LABELS[part]
            lines = compute.part_lines(account, part)
            first = True
            for line in lines:
                for is_child, item, parent in _walk(line):
                    number = f"{parent['number']}-{item['number']}" if is_child else item["number"]
                    shown_number = (
                        f"（{item['number']}）" if is_child and item["number"] else number
                    )
                    name = f"　{item['name']}" if is_child else item["name"]
                    cells = [
                        _text(label, display=label if first else ""),
                        _text(number, display=shown_number),
                        _text(item["name"], header=True, display=name),
                        *_figure_cells(columns, compute.line_figures(item, n)),
                    ]
                    rows.append(Row(cells, kind="body"))
                    first = False
            total = compute.total_figures(lines, n)
            cells = [
                _text(label, display=label if first else ""),
                _text(""),
                _text("合計", header=True),
                *_figure_cells(columns, total),
            ]
            rows.append(Row(cells, kind="total"))
        tables.append(
            TableView(
                caption=caption,
                columns=columns,
                rows=rows,
                unit=account["unit"],
                groups=_groups(columns),
                row_header=2,
                slug=slug,
            )
        )
    return tables


def _walk(line: dict):
    yield False, line, None
    for child in line.get("children") or []:
        yield True, child, line


# -- year-over-year ------------------------------------------------------------------------


def comparison_columns(unit: str, *, letters: bool) -> list[dict]:
    columns = [_col("letter", "記号")] if letters else []
    return [
        *columns,
        _col("label", "区分"),
        _col("current", "本年度", AMOUNT, unit),
        _col("previous", "前年度", AMOUNT, unit),
        _col("difference", "増△減", AMOUNT, unit, "対前年度比較"),
        _col("ratio", "比率", "percent", None, "対前年度比較"),
    ]


def ratio_cell(value: Decimal | None) -> Cell:
    return Cell(None if value is None else str(value), numbers.format_decimal(value, 1), "percent")


def comparison_tables(table: dict) -> list[TableView]:
    letters = any(row.get("letter") for row in table["rows"])
    columns = comparison_columns(table["unit"], letters=letters)
    rows = []
    for row, fig in zip(table["rows"], compute.comparison_figures(table["rows"]), strict=True):
        cells = [_text(row.get("letter") or "")] if letters else []
        cells += [
            _text(compute.row_label(row), header=True),
            _amount(fig.current),
            _amount(fig.previous),
            _amount(fig.difference),
            ratio_cell(fig.ratio),
        ]
        rows.append(Row(cells, kind="total" if row.get("formula") else "body"))
    return [
        TableView(
            caption=table["title"],
            columns=columns,
            rows=rows,
            unit=f"{table['unit']}、％",
            groups=_groups(columns),
            row_header=1 if letters else 0,
            slug=table["key"],
        )
    ]


# -- bonds -----------------------------------------------------------------------------------


def _ledger_caption(caption: str, name: str) -> str:
    return f"{caption}（{name}）" if name else caption


def _ledger_slug(slug: str, bonds: dict) -> str:
    return f"{slug}-{bonds['account']}" if bonds.get("account") else slug


def loan_tables(bonds: dict, name: str = "") -> list[TableView]:
    """借入状況; `name` (a special account's) is added to the caption."""
    unit = bonds["unit"]
    columns = [
        _col("purpose", "借入目的"),
        _col("amount", "借入額", AMOUNT, unit),
        _col("date", "借入日", "date"),
        _col("lender", "借入先"),
        _col("rate", "利率", "percent"),
        _col("term_years", "償還期間", "integer"),
        _col("grace_years", "据置期間", "integer"),
    ]
    rows = []
    for loan in bonds["loans"]:
        rows.append(
            Row(
                [
                    _text(loan["purpose"], header=True),
                    _amount(loan["amount"]),
                    Cell(
                        loan["date"],
                        wareki.format_date(dt.date.fromisoformat(loan["date"])),
                        "date",
                    ),
                    _text(loan["lender"]),
                    Cell(loan["rate"], loan["rate"], "percent"),
                    Cell(loan["term_years"], f"{loan['term_years']}年", "integer"),
                    Cell(loan["grace_years"], f"{loan['grace_years']}年", "integer"),
                ]
            )
        )
    total = compute.bond_figures(bonds).loans_total
    rows.append(
        Row(
            [_text("合計", header=True), _amount(total)]
            + [Cell(None, "", col["type"]) for col in columns[2:]],
            kind="total",
        )
    )
    return [
        TableView(
            caption=_ledger_caption("地方債借入状況", name),
            columns=columns,
            rows=rows,
            unit=unit,
            groups=_groups(columns),
            slug=_ledger_slug("bond-loans", bonds),
        )
    ]


BALANCE_COLUMNS = [
    ("opening", "前年度末現在高"),
    ("borrowed", "借入額"),
    ("repaid", "元金償還額"),
    ("closing", "年度末現在高"),
]


def balance_tables(bonds: dict, name: str = "") -> list[TableView]:
    """借入先別現在高; `name` (a special account's) is added to the caption."""
    unit = bonds["unit"]
    columns = [_col("lender", "借入先")] + [
        _col(key, label, AMOUNT, unit) for key, label in BALANCE_COLUMNS
    ]
    figures = compute.bond_figures(bonds)
    rows = [
        Row(
            [_text(b.lender, header=True)]
            + [_amount(getattr(b, key)) for key, _ in BALANCE_COLUMNS]
        )
        for b in figures.balances
    ]
    rows.append(
        Row(
            [_text("合計", header=True)]
            + [_amount(getattr(figures.total, key)) for key, _ in BALANCE_COLUMNS],
            kind="total",
        )
    )
    return [
        TableView(
            caption=_ledger_caption("地方債借入先別現在高", name),
            columns=columns,
            rows=rows,
            unit=unit,
            groups=_groups(columns),
            slug=_ledger_slug("bond-balances", bonds),
        )
    ]


def ledger_summary_tables(ledgers: list[tuple[str, dict]]) -> list[TableView]:
    """地方債現在高（会計別）: one row per ledger (its 合計 row) and the overall 合計, one table
    per unit (figures in 円 and 千円 are never added together)."""
    lines = compute.ledger_summary(ledgers)
    units = list(dict.fromkeys(line.unit for line in lines))
    out = []
    for unit in units:
        mine = [line for line in lines if line.unit == unit]
        columns = [_col("account", "会計")] + [
            _col(key, label, AMOUNT, unit) for key, label in BALANCE_COLUMNS
        ]
        rows = [
            Row(
                [_text(line.name, header=True)]
                + [_amount(getattr(line.total, key)) for key, _ in BALANCE_COLUMNS]
            )
            for line in mine
        ]
        total = compute.ledgers_total(mine)
        rows.append(
            Row(
                [_text("合計", header=True)]
                + [_amount(getattr(total, key)) for key, _ in BALANCE_COLUMNS],
                kind="total",
            )
        )
        out.append(
            TableView(
                caption="地方債現在高（会計別）",
                columns=columns,
                rows=rows,
                unit=unit,
                groups=_groups(columns),
                slug="bond-ledgers" if len(units) == 1 else f"bond-ledgers-{len(out) + 1}",
            )
        )
    return out


# -- funds and grants ------------------------------------------------------------------------

FUND_COLUMNS = [
    ("opening", "前年度末現在高"),
    ("deposits", "積立額"),
    ("withdrawals", "繰入額"),
    ("closing", "年度末現在高"),
]


def fund_tables(funds: list[dict]) -> list[TableView]:
    """The 基金 table (one per unit), then each fund's breakdowns of deposits and withdrawals."""
    tables = []
    units = list(dict.fromkeys(f["unit"] for f in funds))
    for unit in units:
        group = [f for f in funds if f["unit"] == unit]
        columns = [_col("name", "基金名")] + [
            _col(key, label, AMOUNT, unit) for key, label in FUND_COLUMNS
        ]
        rows = []
        figures = [compute.fund_figures(f) for f in group]
        for fund, fig in zip(group, figures, strict=True):
            rows.append(
                Row(
                    [_text(fund["name"], header=True)]
                    + [_amount(getattr(fig, key)) for key, _ in FUND_COLUMNS]
                )
            )
        if len(group) > 1:
            rows.append(
                Row(
                    [_text("合計", header=True)]
                    + [_amount(sum(getattr(f, key) for f in figures)) for key, _ in FUND_COLUMNS],
                    kind="total",
                )
            )
        tables.append(
            TableView(
                caption="基金の状況",
                columns=columns,
                rows=rows,
                unit=unit,
                groups=_groups(columns),
                slug="funds" if len(units) == 1 else f"funds-{unit}",
            )
        )
    for fund in funds:
        if fund["deposits"] or fund["withdrawals"] or fund["sub_balances"]:
            tables.append(fund_breakdown_table(fund))
    return tables


def fund_breakdown_table(fund: dict) -> TableView:
    unit = fund["unit"]
    columns = [_col("kind", "区分"), _col("label", "内容"), _col("amount", "金額", AMOUNT, unit)]
    figures = compute.fund_figures(fund)
    rows = []
    sums = {
        "deposits": figures.deposits,
        "withdrawals": figures.withdrawals,
        "sub_balances": figures.sub_balances,
    }
    labels = {"deposits": "積立額", "withdrawals": "繰入額", "sub_balances": "目的別現在高"}
    for field, label in labels.items():
        entries = fund[field]
        if not entries:
            continue
        for i, entry in enumerate(entries):
            rows.append(
                Row(
                    [
                        _text(label, display=label if i == 0 else ""),
                        _text(entry["label"], header=True),
                        _amount(entry["amount"]),
                    ]
                )
            )
        rows.append(
            Row(
                [_text(label, display=""), _text("計", header=True), _amount(sums[field])],
                kind="subtotal",
            )
        )
    return TableView(
        caption=f"{fund['name']}の内訳",
        columns=columns,
        rows=rows,
        unit=unit,
        groups=_groups(columns),
        row_header=1,
        slug=f"fund-{fund['key']}",
    )


def grant_tables(grant: dict) -> list[TableView]:
    unit = grant["unit"]
    columns = [
        _col("name", "事業名"),
        _col("amount", "充当額", AMOUNT, unit),
        _col("description", "事業内容"),
    ]
    rows = [
        Row([_text(p["name"], header=True), _amount(p["amount"]), _text(p["description"])])
        for p in grant["projects"]
    ]
    rows.append(
        Row(
            [_text("合計", header=True), _amount(compute.grant_total(grant)), _text("")],
            kind="total",
        )
    )
    return [
        TableView(
            caption=f"{grant['name']}の充当事業",
            columns=columns,
            rows=rows,
            unit=unit,
            groups=_groups(columns),
            notes=[f"交付額 {numbers.format_integer(grant['received'])}{unit}"],
            slug=f"grant-{grant['key']}",
        )
    ]


def record_tables(kind: str, data: dict) -> list[TableView]:
    """The TableViews of one record, for its staff page and its .xlsx download."""
    if kind == "account":
        return account_tables(data)
    if kind == "comparison":
        return comparison_tables(data)
    if kind == "bonds":
        return loan_tables(data) + balance_tables(data)
    if kind == "fund":
        return fund_tables([data])
    if kind == "grant":
        return grant_tables(data)
    raise ValueError(kind)
