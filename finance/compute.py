"""The arithmetic of the finance tables, on the interchange-format dicts. Pure: no database.

Rules (the ones the planning division applies by hand today):
- 補正予算額合計 = Σ 第1号…第n号 (empty cells count as 0; printed 0 when there are none);
  最終予算額 = 当初予算額 + 補正予算額合計 + 充当額.
- A 款 with 項 (sub-lines) has the sums of its sub-lines as its figures.
- 合計 rows: 当初, 第k号, 補正合計 and 最終 sum with empty cells as 0 (a 合計 always prints a
  figure); 充当額 and 決算額 stay empty when no line has one.
- 増△減 = 本年度 − 前年度; 比率 = 増△減 ÷ 前年度 × 100, rounded half up (away from zero on a
  tie) to one decimal, computed exactly on integers (akiruno.numbers.ratio_percent). When 前年度
  is 0 the ratio is 0.0 if 増△減 is 0 too, otherwise it cannot be computed and prints "－".
- 地方債, per ledger (one per account): 借入額 per lender = Σ loans of that lender in that
  ledger; 年度末現在高 = 前年度末 + 借入額 − 元金償還額; the overall total = Σ ledger totals.
- 基金: 年度末現在高 = 前年度末現在高 + Σ 積立額 − Σ 繰入額.
- 交付金: Σ 充当額 of the projects (must equal 交付額).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from akiruno import numbers
from akiruno.wareki import to_halfwidth

PART_LABELS = {
    "revenue": "歳入",
    "expenditure": "歳出",
    "operating_revenue": "収益的収入",
    "operating_expenditure": "収益的支出",
    "capital_revenue": "資本的収入",
    "capital_expenditure": "資本的支出",
}
PARTS_BY_KIND = {
    "general": ["revenue", "expenditure"],
    "special": ["revenue", "expenditure"],
    "enterprise": [
        "operating_revenue",
        "operating_expenditure",
        "capital_revenue",
        "capital_expenditure",
    ],
}
REVENUE_PARTS = {"revenue", "operating_revenue", "capital_revenue"}
# The printed tables of an enterprise account: (caption, revenue part, expenditure part).
ENTERPRISE_TABLES = [
    ("収益的収入及び支出", "operating_revenue", "operating_expenditure"),
    ("資本的収入及び支出", "capital_revenue", "capital_expenditure"),
]
BALANCED_KINDS = {"general", "special"}


def _sum(values: list[int | None]) -> int:
    return sum(v for v in values if v is not None)


def _sum_or_none(values: list[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


# -- budget execution ---------------------------------------------------------------------


@dataclass
class Figures:
    """The figures of one row of a budget statement, computed columns included."""

    initial: int | None
    supplementary: list[int | None]
    supplementary_total: int
    appropriation: int | None
    final: int
    settlement: int | None

    def column(self, key: str) -> int | None:
        if key.startswith("s") and key[1:].isdigit():
            return self.supplementary[int(key[1:]) - 1]
        return getattr(self, key)


BUDGET_COLUMNS = ["initial", "supplementary_total", "appropriation", "final", "settlement"]
BUDGET_COLUMN_LABELS = {
    "initial": "当初予算額",
    "supplementary_total": "補正予算額合計",
    "appropriation": "充当額",
    "final": "最終予算額",
    "settlement": "決算額",
}


def supplementary_label(k: int) -> str:
    return f"補正予算額（第{k}号）"


def budget_column_label(key: str) -> str:
    if key.startswith("s") and key[1:].isdigit():
        return supplementary_label(int(key[1:]))
    return BUDGET_COLUMN_LABELS[key]


def budget_keys(n: int) -> list[str]:
    """Column keys of a statement with n supplementary budgets, in printed order."""
    return ["initial", *[f"s{k}" for k in range(1, n + 1)], *BUDGET_COLUMNS[1:]]


def leaf_figures(line: dict, n: int) -> Figures:
    supplementary = list(line.get("supplementary") or [None] * n)
    supp_total = _sum(supplementary)
    initial = line.get("initial")
    appropriation = line.get("appropriation")
    return Figures(
        initial=initial,
        supplementary=supplementary,
        supplementary_total=supp_total,
        appropriation=appropriation,
        final=(initial or 0) + supp_total + (appropriation or 0),
        settlement=line.get("settlement"),
    )


def line_figures(line: dict, n: int) -> Figures:
    """A line's figures: its own, or the sums of its sub-lines when it has any."""
    children = line.get("children") or []
    if not children:
        return leaf_figures(line, n)
    parts = [line_figures(child, n) for child in children]
    return Figures(
        initial=_sum_or_none([f.initial for f in parts]),
        supplementary=[_sum_or_none([f.supplementary[k] for f in parts]) for k in range(n)],
        supplementary_total=_sum([f.supplementary_total for f in parts]),
        appropriation=_sum_or_none([f.appropriation for f in parts]),
        final=_sum([f.final for f in parts]),
        settlement=_sum_or_none([f.settlement for f in parts]),
    )


def total_figures(lines: list[dict], n: int) -> Figures:
    """The 合計 row of one side of a statement."""
    rows = [line_figures(line, n) for line in lines]
    return Figures(
        initial=_sum([f.initial for f in rows]),
        supplementary=[_sum([f.supplementary[k] for f in rows]) for k in range(n)],
        supplementary_total=_sum([f.supplementary_total for f in rows]),
        appropriation=_sum_or_none([f.appropriation for f in rows]),
        final=_sum([f.final for f in rows]),
        settlement=_sum_or_none([f.settlement for f in rows]),
    )


def part_lines(account: dict, part: str) -> list[dict]:
    for p in account.get("parts", []):
        if p["part"] == part:
            return p["lines"]
    return []


def balance_differences(account: dict) -> list[tuple[str, int, int]]:
    """Budget columns where 歳入 and 歳出 do not balance: (column key, revenue, expenditure)."""
    if account["kind"] not in BALANCED_KINDS:
        return []
    n = account["supplementary_count"]
    revenue = total_figures(part_lines(account, "revenue"), n)
    expenditure = total_figures(part_lines(account, "expenditure"), n)
    out = []
    for key in budget_keys(n):
        if key == "settlement" or key == "appropriation":
            continue  # settlements do not balance; 充当 moves money within 歳出
        r, e = revenue.column(key) or 0, expenditure.column(key) or 0
        if r != e:
            out.append((key, r, e))
    return out


# -- year-over-year tables -----------------------------------------------------------------

_OPERATORS = {"+": 1, "-": -1}
_FORMULA_SPLIT = re.compile(r"([+-])")


def normalise_formula(text: str) -> str:
    """ア－イ, ア − イ, オ＋カ → ア-イ, オ+カ (ASCII operators, no spaces)."""
    text = to_halfwidth(text or "")
    for minus in ("−", "‐", "―", "—", "ｰ"):
        text = text.replace(minus, "-")
    return re.sub(r"\s+", "", text)


def formula_terms(formula: str) -> list[tuple[int, str]]:
    """Split a normalised formula into (sign, letter) terms; raise ValueError if malformed."""
    pieces = [p for p in _FORMULA_SPLIT.split(formula) if p != ""]
    if not pieces:
        raise ValueError("計算式が空です。")
    terms: list[tuple[int, str]] = []
    sign = 1
    expect_letter = True
    for piece in pieces:
        if piece in _OPERATORS:
            if expect_letter:
                if terms:  # two operators in a row
                    raise ValueError("演算子が続いています。")
                sign = _OPERATORS[piece]  # a leading sign
                continue
            sign = _OPERATORS[piece]
            expect_letter = True
            continue
        if not expect_letter:
            raise ValueError("記号と記号の間に ＋ か － が必要です。")
        terms.append((sign, piece))
        expect_letter = False
        sign = 1
    if expect_letter:
        raise ValueError("計算式が演算子で終わっています。")
    return terms


def formula_display(formula: str) -> str:
    """ア-イ → ア－イ, as printed inside 〔〕."""
    return formula.replace("+", "＋").replace("-", "－")


def row_label(row: dict) -> str:
    """The printed label: 交付基準額〔ア－イ〕 for a formula row."""
    if row.get("formula"):
        return f"{row['label']}〔{formula_display(row['formula'])}〕"
    return row["label"]


def ratio(difference: int | None, previous: int | None) -> Decimal | None:
    """比率 (%) to one decimal, rounded half up; 0.0 for 0 ÷ 0; None when not computable."""
    if difference is None or previous is None:
        return None
    if previous == 0:
        return Decimal("0.0") if difference == 0 else None
    return numbers.ratio_percent(difference, previous, 1)


@dataclass
class ComparisonFigures:
    current: int | None
    previous: int | None
    difference: int | None
    ratio: Decimal | None


def comparison_figures(rows: list[dict]) -> list[ComparisonFigures]:
    """Per row: 本年度, 前年度 (computed for formula rows), 増△減 and 比率."""
    by_letter: dict[str, ComparisonFigures] = {}
    out = []
    for row in rows:
        if row.get("formula"):
            current, previous = _evaluate(row["formula"], by_letter)
        else:
            current, previous = row.get("current"), row.get("previous")
        difference = None if current is None or previous is None else current - previous
        figures = ComparisonFigures(current, previous, difference, ratio(difference, previous))
        if row.get("letter"):
            by_letter[row["letter"]] = figures
        out.append(figures)
    return out


def _evaluate(
    formula: str, by_letter: dict[str, ComparisonFigures]
) -> tuple[int | None, int | None]:
    current: int | None = 0
    previous: int | None = 0
    for sign, letter in formula_terms(formula):
        ref = by_letter.get(letter)
        if ref is None:
            return None, None
        current = None if current is None or ref.current is None else current + sign * ref.current
        previous = (
            None if previous is None or ref.previous is None else previous + sign * ref.previous
        )
    return current, previous


# -- bonds -----------------------------------------------------------------------------------


@dataclass
class BalanceFigures:
    lender: str
    opening: int
    borrowed: int
    repaid: int
    closing: int


@dataclass
class BondFigures:
    loans_total: int
    balances: list[BalanceFigures]
    total: BalanceFigures
    unmatched_lenders: list[str] = field(default_factory=list)


def bond_figures(bonds: dict) -> BondFigures:
    borrowed: dict[str, int] = {}
    for loan in bonds.get("loans", []):
        borrowed[loan["lender"]] = borrowed.get(loan["lender"], 0) + loan["amount"]
    balances = []
    for b in bonds.get("balances", []):
        got = borrowed.get(b["lender"], 0)
        repaid = b.get("repaid") or 0
        balances.append(
            BalanceFigures(b["lender"], b["opening"], got, repaid, b["opening"] + got - repaid)
        )
    known = {b["lender"] for b in bonds.get("balances", [])}
    total = BalanceFigures(
        "合計",
        _sum([b.opening for b in balances]),
        _sum([b.borrowed for b in balances]),
        _sum([b.repaid for b in balances]),
        _sum([b.closing for b in balances]),
    )
    return BondFigures(
        loans_total=_sum([loan["amount"] for loan in bonds.get("loans", [])]),
        balances=balances,
        total=total,
        unmatched_lenders=[lender for lender in borrowed if lender not in known],
    )


@dataclass
class LedgerFigures:
    """One ledger's line of the overall summary: its account and its 合計 row."""

    account: str | None
    name: str
    unit: str
    total: BalanceFigures


def ledger_summary(ledgers: list[tuple[str, dict]]) -> list[LedgerFigures]:
    """Per ledger (name, Bonds): the ledger's totals, each computed from its own loans."""
    return [
        LedgerFigures(bonds.get("account"), name, bonds["unit"], bond_figures(bonds).total)
        for name, bonds in ledgers
    ]


def ledgers_total(lines: list[LedgerFigures]) -> BalanceFigures:
    """The overall total across ledgers (of one unit): Σ of each ledger's 合計 row."""
    return BalanceFigures(
        "合計",
        _sum([line.total.opening for line in lines]),
        _sum([line.total.borrowed for line in lines]),
        _sum([line.total.repaid for line in lines]),
        _sum([line.total.closing for line in lines]),
    )


# -- funds and grants -------------------------------------------------------------------------


@dataclass
class FundFigures:
    opening: int
    deposits: int
    withdrawals: int
    closing: int
    sub_balances: int | None


def fund_figures(fund: dict) -> FundFigures:
    deposits = _sum([e["amount"] for e in fund.get("deposits", [])])
    withdrawals = _sum([e["amount"] for e in fund.get("withdrawals", [])])
    subs = fund.get("sub_balances") or []
    return FundFigures(
        opening=fund["opening"],
        deposits=deposits,
        withdrawals=withdrawals,
        closing=fund["opening"] + deposits - withdrawals,
        sub_balances=_sum([e["amount"] for e in subs]) if subs else None,
    )


def grant_total(grant: dict) -> int:
    return _sum([p["amount"] for p in grant.get("projects", [])])
