"""An account's 予算の執行状況 table(s), by reference."""

from __future__ import annotations

from typing import Any

from finance import charts, records, tables, validation
from finance.blocks import FinanceBlock
from finance.models import Account
from reports import charts as chart_kit
from reports.blocks import Problem, register
from reports.tables import TableView


@register
class BudgetStatementBlock(FinanceBlock):
    """An account's 予算の執行状況 table(s): {"account": key}."""

    kind = "budget_statement"
    label = "予算の執行状況"
    field = "account"
    what = "会計"
    schema = {
        "type": "object",
        "properties": {
            "account": {
                "type": "string",
                "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]*$",
                "maxLength": 100,
            },
            "chart": {
                "enum": ["bar", "none"],
                "description": "グラフ: bar=棒グラフ、none=表示しない（省略時は bar）",
            },
        },
        "additionalProperties": False,
        "required": ["account"],
    }

    def resolve_many(self, datas: list[dict], *, fiscal_year: int) -> list[Any]:
        found = self._by_key(records.accounts_qs(), datas, fiscal_year)
        out = []
        for d in datas:
            obj = found.get(d.get("account"))
            out.append({"account": records.account_dict(obj)} if obj else None)
        return out

    def tables(self, data: dict, resolved: Any) -> list[TableView]:
        return tables.account_tables(resolved["account"]) if resolved else []

    def charts(self, data: dict, resolved: Any) -> list[list[chart_kit.Chart]]:
        return charts.account_charts(resolved["account"])

    def record_problems(self, resolved: Any) -> list[Problem]:
        account = resolved["account"]
        if not _any_figure(account):
            return [
                Problem(
                    "/account",
                    f"{account['name']}の予算の執行状況は数値がすべて空です。"
                    "当初予算額・決算額などを入力してください。",
                )
            ]
        return [
            Problem(f"/account{p.where}", p.message) for p in validation.account_problems(account)
        ]


def _any_figure(account: dict) -> bool:
    """Whether any line of any part holds a figure (a statement left entirely empty holds none)."""

    def line_has(line: dict) -> bool:
        figures = [line.get(k) for k in ("initial", "appropriation", "settlement")]
        figures += list(line.get("supplementary") or [])
        return any(f is not None for f in figures) or any(
            line_has(c) for c in line.get("children") or []
        )

    return any(line_has(line) for part in account.get("parts", []) for line in part["lines"])

    def choices(self, *, fiscal_year: int) -> list[tuple[str, str]]:
        accounts = Account.objects.filter(fiscal_year=fiscal_year).order_by("order", "key")
        return [(a.key, a.name) for a in accounts]
