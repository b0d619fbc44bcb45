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
        return [
            Problem(f"/account{p.where}", p.message)
            for p in validation.account_problems(resolved["account"])
        ]

    def choices(self, *, fiscal_year: int) -> list[tuple[str, str]]:
        accounts = Account.objects.filter(fiscal_year=fiscal_year).order_by("order", "key")
        return [(a.key, a.name) for a in accounts]
