"""A 交付金 and the uses it was put to, by reference."""

from __future__ import annotations

from typing import Any

from finance import charts, records, tables, validation
from finance.blocks import FinanceBlock
from finance.models import Grant
from reports import charts as chart_kit
from reports.blocks import Problem, register
from reports.tables import TableView


@register
class GrantUseBlock(FinanceBlock):
    """The projects a grant was charged to: {"grant": key}."""

    kind = "grant_use"
    label = "交付金の充当事業"
    field = "grant"
    what = "交付金"
    schema = {
        "type": "object",
        "properties": {
            "grant": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]*$", "maxLength": 100},
            "chart": {
                "enum": ["none", "bar"],
                "description": "グラフ: none=表示しない、bar=棒グラフ（省略時は none）",
            },
        },
        "additionalProperties": False,
        "required": ["grant"],
    }

    def resolve_many(self, datas: list[dict], *, fiscal_year: int) -> list[Any]:
        found = self._by_key(records.grants_qs(), datas, fiscal_year)
        out = []
        for d in datas:
            obj = found.get(d.get("grant"))
            out.append({"grant": records.grant_dict(obj)} if obj else None)
        return out

    def tables(self, data: dict, resolved: Any) -> list[TableView]:
        return tables.grant_tables(resolved["grant"]) if resolved else []

    chart_kinds = ("none", "bar")  # off unless chosen

    def charts(self, data: dict, resolved: Any) -> list[list[chart_kit.Chart]]:
        return charts.grant_charts(resolved["grant"])

    def record_problems(self, resolved: Any) -> list[Problem]:
        return [
            Problem(f"/grant{p.where}", p.message)
            for p in validation.grant_problems(resolved["grant"])
        ]

    def choices(self, *, fiscal_year: int) -> list[tuple[str, str]]:
        grants = Grant.objects.filter(fiscal_year=fiscal_year).order_by("order", "key")
        return [(g.key, g.name) for g in grants]
