"""Across years: this year's opening figures and 前年度 columns against last year's closing.

A new year's figures are filled from the previous year's (finance.services.finance_start_year);
afterwards a difference is never overwritten: it is listed here, shown to staff and blocks the
submission of a section that embeds it, unless the record states the reason (carryover_note).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import compute
from .validation import fmt, ledger_prefix


@dataclass(frozen=True)
class Difference:
    where: str
    message: str
    note: str = ""

    @property
    def noted(self) -> bool:
        return bool(self.note)


def fund_differences(fund: dict, last: dict | None) -> list[Difference]:
    if last is None:
        return []
    expected = compute.fund_figures(last).closing
    if fund["opening"] == expected:
        return []
    return [
        Difference(
            "/opening",
            f"{fund['name']}の前年度末現在高が前年度の年度末現在高と異なります："
            f"入力 {fmt(fund['opening'])}、前年度 {fmt(expected)}",
            fund.get("carryover_note", ""),
        )
    ]


def bonds_differences(bonds: dict, last: dict | None) -> list[Difference]:
    """One ledger against last year's ledger of the same account."""
    if last is None:
        return []
    closing = {b.lender: b.closing for b in compute.bond_figures(last).balances}
    ledger = ledger_prefix(bonds.get("account"))
    out = []
    present = set()
    for i, balance in enumerate(bonds["balances"]):
        lender = balance["lender"]
        present.add(lender)
        expected = closing.get(lender, 0)
        if balance["opening"] != expected:
            out.append(
                Difference(
                    f"/balances/{i}/opening",
                    f"{ledger}地方債現在高 {lender}の前年度末現在高が前年度の年度末現在高と異なります："
                    f"入力 {fmt(balance['opening'])}、前年度 {fmt(expected)}",
                    balance.get("carryover_note", ""),
                )
            )
    for lender, value in closing.items():
        if lender not in present and value != 0:
            out.append(
                Difference(
                    "/balances",
                    f"{ledger}地方債現在高: 前年度末に {fmt(value)} の現在高があった借入先「{lender}」の行が"
                    "ありません。行を追加し、償還額を入力してください。",
                )
            )
    return out


def comparison_differences(table: dict, last: dict | None) -> list[Difference]:
    if last is None:
        return []
    last_current = {
        compute.row_label(row): fig.current
        for row, fig in zip(last["rows"], compute.comparison_figures(last["rows"]), strict=True)
    }
    out = []
    figures = compute.comparison_figures(table["rows"])
    for i, (row, fig) in enumerate(zip(table["rows"], figures, strict=True)):
        label = compute.row_label(row)
        if label not in last_current:
            continue
        expected = last_current[label]
        if expected is not None and fig.previous != expected:
            out.append(
                Difference(
                    f"/rows/{i}/previous",
                    f"{table['title']} {label}の前年度が前年度の表の本年度と異なります："
                    f"入力 {fmt(fig.previous)}、前年度 {fmt(expected)}",
                    table.get("carryover_note", ""),
                )
            )
    return out


CHECKS = {
    "fund": fund_differences,
    "bonds": bonds_differences,
    "comparison": comparison_differences,
}


def differences(kind: str, record: dict, last: dict | None) -> list[Difference]:
    check = CHECKS.get(kind)
    return check(record, last) if check else []


def previous_year_fill(kind: str, last: dict) -> dict:
    """A new year's record made from last year's: structure kept, openings = last closings."""
    if kind == "account":
        n = 0

        def blank(line: dict) -> dict:
            return {
                "number": line["number"],
                "name": line["name"],
                "initial": None,
                "supplementary": [None] * n,
                "appropriation": None,
                "settlement": None,
                "children": [blank(c) for c in line.get("children", [])],
            }

        return {
            **last,
            "supplementary_count": n,
            "parts": [
                {"part": p["part"], "lines": [blank(line) for line in p["lines"]]}
                for p in last["parts"]
            ],
        }
    if kind == "comparison":
        figures = compute.comparison_figures(last["rows"])
        rows = []
        for row, fig in zip(last["rows"], figures, strict=True):
            if row.get("formula"):
                rows.append({**row, "current": None, "previous": None})
            else:
                rows.append({**row, "current": None, "previous": fig.current})
        return {**last, "carryover_note": "", "rows": rows}
    if kind == "bonds":
        figures = compute.bond_figures(last)
        return {
            **last,
            "loans": [],
            "balances": [
                {"lender": b.lender, "opening": b.closing, "repaid": 0, "carryover_note": ""}
                for b in figures.balances
                if b.closing != 0
            ],
        }
    if kind == "fund":
        return {
            **last,
            "opening": compute.fund_figures(last).closing,
            "carryover_note": "",
            "deposits": [],
            "withdrawals": [],
            "sub_balances": [],
        }
    raise ValueError(f"{kind} is not carried over")
