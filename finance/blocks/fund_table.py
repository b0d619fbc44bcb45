"""The 基金 tables, by reference."""

from __future__ import annotations

from typing import Any

from akiruno import cleaning
from finance import charts, records, tables, validation
from finance.blocks import FinanceBlock, differences, record_key
from finance.models import Fund
from reports import charts as chart_kit
from reports.blocks import Problem, register
from reports.tables import TableView


@register
class FundTableBlock(FinanceBlock):
    """The 基金 table: {"funds": [key] | null} (null: every fund of the year)."""

    kind = "fund_table"
    label = "基金"
    field = "funds"
    what = "基金"
    schema = {
        "type": "object",
        "properties": {
            "funds": {
                "anyOf": [
                    {"type": "null"},
                    {
                        "type": "array",
                        "items": {
                            "type": "string",
                            "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]*$",
                            "maxLength": 100,
                        },
                    },
                ]
            },
            "chart": {
                "enum": ["waterfall", "none"],
                "description": "グラフ: "
                "waterfall=増減の推移（ウォーターフォール）、none=表示しない（省略時は "
                "waterfall）",
            },
        },
        "additionalProperties": False,
        "required": ["funds"],
    }

    chart_kinds = ("waterfall",)

    def clean(self, data: Any) -> dict:
        errors = cleaning.Errors()
        data = cleaning.block_data(data, errors)
        funds = data.get("funds")
        if funds is not None:
            if not isinstance(funds, list):
                errors.add("/funds", "基金はキーの一覧か null（すべての基金）で指定してください。")
                funds = None
            else:
                funds = [record_key(k, f"/funds/{i}", errors, "基金") for i, k in enumerate(funds)]
                funds = [k for k in dict.fromkeys(funds) if k]
        chart = self.clean_chart(data, errors)
        errors.raise_if_any(self.label)
        return self.with_chart({"funds": funds}, chart)

    def charts(self, data: dict, resolved: Any) -> list[list[chart_kit.Chart]]:
        return charts.fund_charts(resolved["funds"])

    def blank_data(self) -> dict:
        return {"funds": None}

    def missing_message(self, data: dict, resolved: Any) -> str:
        if resolved is None or not resolved["funds"]:
            return "この年度の基金のデータがありません。"
        if resolved.get("missing"):
            return f"基金「{'」「'.join(resolved['missing'])}」のデータがありません。"
        return ""

    def resolve_many(self, datas: list[dict], *, fiscal_year: int) -> list[Any]:
        if not datas:
            return []
        everything = any(d.get("funds") is None for d in datas)
        keys = {k for d in datas for k in (d.get("funds") or [])}
        qs = records.funds_qs().filter(fiscal_year__in=[fiscal_year, fiscal_year - 1])
        if not everything:
            qs = qs.filter(key__in=keys)
        this_year, last_year = {}, {}
        for obj in qs.order_by("order", "key"):
            (this_year if obj.fiscal_year == fiscal_year else last_year)[obj.key] = obj
        out = []
        for d in datas:
            wanted = d.get("funds")
            chosen = list(this_year) if wanted is None else [k for k in wanted if k in this_year]
            out.append(
                {
                    "funds": [records.fund_dict(this_year[k]) for k in chosen],
                    "last_year": {
                        k: records.fund_dict(last_year[k]) for k in chosen if k in last_year
                    },
                    "missing": [k for k in (wanted or []) if k not in this_year],
                }
            )
        return out

    def tables(self, data: dict, resolved: Any) -> list[TableView]:
        return tables.fund_tables(resolved["funds"]) if resolved and resolved["funds"] else []

    def record_problems(self, resolved: Any) -> list[Problem]:
        problems = []
        for fund in resolved["funds"]:
            where = f"/funds/{fund['key']}"
            problems += [
                Problem(f"{where}{p.where}", p.message) for p in validation.fund_problems(fund)
            ]
            problems += differences(
                "fund", fund, resolved.get("last_year", {}).get(fund["key"]), where
            )
        return problems

    def choices(self, *, fiscal_year: int) -> list[tuple[str, str]]:
        funds = Fund.objects.filter(fiscal_year=fiscal_year).order_by("order", "key")
        return [(f.key, f.name) for f in funds]
