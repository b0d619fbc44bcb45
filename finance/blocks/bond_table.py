"""The 地方債 tables (借入状況 or 借入先別現在高), by reference."""

from __future__ import annotations

from typing import Any

from akiruno import cleaning
from finance import charts, records, tables, validation
from finance.blocks import FinanceBlock, differences
from reports import charts as chart_kit
from reports.blocks import Problem, register
from reports.tables import TableView


@register
class BondTableBlock(FinanceBlock):
    """The 地方債 tables: {"view": "loans" | "balances"}."""

    kind = "bond_table"
    label = "地方債"
    field = "view"
    what = "地方債"
    schema = {
        "type": "object",
        "properties": {
            "view": {"enum": ["loans", "balances"]},
            "chart": {
                "enum": ["bar", "waterfall", "none"],
                "description": "グラフ: "
                "bar=棒グラフ、waterfall=増減の推移（ウォーターフォール）、none=表示しない（省略時は "
                "bar）",
            },
        },
        "additionalProperties": False,
        "required": ["view"],
    }
    VIEWS = {"loans": "借入状況", "balances": "借入先別現在高"}

    # loans: the borrowing by purpose as bars; balances: the debt's roll-forward.
    chart_kinds = ("bar", "waterfall")

    def clean(self, data: Any) -> dict:
        errors = cleaning.Errors()
        data = cleaning.block_data(data, errors)
        view = data.get("view", "loans")
        if view not in self.VIEWS:
            errors.add("/view", "表示は loans（借入状況）か balances（借入先別現在高）です。")
        chart = self.clean_chart(data, errors)
        errors.raise_if_any(self.label)
        return self.with_chart({"view": view}, chart)

    def charts(self, data: dict, resolved: Any) -> list[list[chart_kit.Chart]]:
        if data["view"] == "balances":
            return charts.balance_charts(resolved["bonds"])
        return charts.loan_charts(resolved["bonds"])

    def blank_data(self) -> dict:
        return {"view": "loans"}

    def missing_message(self, data: dict, resolved: Any) -> str:
        return "この年度の地方債のデータがありません。" if resolved is None else ""

    def resolve_many(self, datas: list[dict], *, fiscal_year: int) -> list[Any]:
        if not datas:
            return []
        ledgers = {
            obj.fiscal_year: obj
            for obj in records.ledgers_qs().filter(fiscal_year__in=[fiscal_year, fiscal_year - 1])
        }
        current, last = ledgers.get(fiscal_year), ledgers.get(fiscal_year - 1)
        if current is None:
            return [None for _ in datas]
        value = {
            "bonds": records.bonds_dict(current),
            "last_year": records.bonds_dict(last) if last else None,
        }
        return [value for _ in datas]

    def tables(self, data: dict, resolved: Any) -> list[TableView]:
        if not resolved:
            return []
        if data["view"] == "balances":
            return tables.balance_tables(resolved["bonds"])
        return tables.loan_tables(resolved["bonds"])

    def record_problems(self, resolved: Any) -> list[Problem]:
        bonds = resolved["bonds"]
        problems = [
            Problem(f"/bonds{p.where}", p.message) for p in validation.bonds_problems(bonds)
        ]
        return problems + differences("bonds", bonds, resolved.get("last_year"), "/bonds")

    def choices(self, *, fiscal_year: int) -> list[tuple[str, str]]:
        return [("loans", "地方債借入状況"), ("balances", "地方債借入先別現在高")]
