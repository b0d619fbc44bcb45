"""A 年度比較表, by reference."""

from __future__ import annotations

from typing import Any

from finance import charts, records, tables
from finance.blocks import FinanceBlock, differences
from finance.models import ComparisonTable
from reports import charts as chart_kit
from reports.blocks import Problem, register
from reports.tables import TableView


@register
class ComparisonTableBlock(FinanceBlock):
    """A 年度比較表: {"table": key}."""

    kind = "comparison_table"
    label = "年度比較表"
    field = "table"
    what = "年度比較表"
    schema = {
        "type": "object",
        "properties": {
            "table": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]*$", "maxLength": 100},
            "chart": {
                "enum": ["bar", "none"],
                "description": "グラフ: bar=棒グラフ、none=表示しない（省略時は bar）",
            },
        },
        "additionalProperties": False,
        "required": ["table"],
    }

    def resolve_many(self, datas: list[dict], *, fiscal_year: int) -> list[Any]:
        found = self._by_key(records.comparisons_qs(), datas, fiscal_year)
        last = self._by_key(records.comparisons_qs(), datas, fiscal_year - 1)
        out = []
        for d in datas:
            obj = found.get(d.get("table"))
            if obj is None:
                out.append(None)
                continue
            prev = last.get(obj.key)
            out.append(
                {
                    "table": records.comparison_dict(obj),
                    "last_year": records.comparison_dict(prev) if prev else None,
                }
            )
        return out

    def tables(self, data: dict, resolved: Any) -> list[TableView]:
        return tables.comparison_tables(resolved["table"]) if resolved else []

    def charts(self, data: dict, resolved: Any) -> list[list[chart_kit.Chart]]:
        return charts.comparison_charts(resolved["table"])

    def record_problems(self, resolved: Any) -> list[Problem]:
        return differences("comparison", resolved["table"], resolved.get("last_year"), "/table")

    def choices(self, *, fiscal_year: int) -> list[tuple[str, str]]:
        found = ComparisonTable.objects.filter(fiscal_year=fiscal_year).order_by("order", "key")
        return [(t.key, t.title) for t in found]
