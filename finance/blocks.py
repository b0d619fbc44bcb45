"""Block kinds that embed finance records in a section, by key (docs/report-format.md).

`resolve_many` loads every record the blocks of one kind refer to in a fixed number of queries
(and last year's, for the carry-over check); `resolved` holds the records in the interchange
format, so the snapshot freezes the figures as they were reviewed. `view` and `tables` compute
from `resolved` only; `strict_problems` lists the identities that do not hold, which blocks the
submission of the section.
"""

from __future__ import annotations

from typing import Any

from reports.blocks import BlockKind, Problem, register
from reports.tables import TableView

from . import carryover, records, tables, validation

TEMPLATE = "blocks/finance_tables.html"


def _key(value: Any, where: str, errors: validation.Errors, what: str) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or not validation.KEY_PATTERN.fullmatch(value):
        errors.add(where, f"{what}のキー「{value}」は使えません（半角英小文字・数字・ハイフン）。")
        return ""
    return value


def _data(data: Any, errors: validation.Errors) -> dict:
    if data is None:
        return {}
    if not isinstance(data, dict):
        errors.add("", "ブロックの内容はオブジェクトで指定してください。")
        return {}
    return data


def _differences(kind: str, record: dict, last: dict | None, where: str) -> list[Problem]:
    return [
        Problem(f"{where}{d.where}", f"{d.message}（前年度からの引継ぎと異なります）")
        for d in carryover.differences(kind, record, last)
        if not d.noted
    ]


class FinanceBlock(BlockKind):
    template_name = TEMPLATE
    field = ""
    what = ""

    def clean(self, data: Any) -> dict:
        errors = validation.Errors()
        data = _data(data, errors)
        key = _key(data.get(self.field), f"/{self.field}", errors, self.what)
        errors.raise_if_any(self.label)
        return {self.field: key}

    def blank_data(self) -> dict:
        return {self.field: ""}

    def view(self, data: dict, resolved: Any, *, depth: int) -> dict:
        return {
            "data": data,
            "tables": self.tables(data, resolved),
            "missing": self.missing_message(data, resolved),
        }

    def missing_message(self, data: dict, resolved: Any) -> str:
        if not data.get(self.field):
            return f"{self.what}が選ばれていません。"
        if resolved is None:
            return f"{self.what}「{data[self.field]}」のデータがありません。"
        return ""

    def strict_problems(self, data: dict, resolved: Any) -> list[Problem]:
        missing = self.missing_message(data, resolved)
        if missing:
            return [Problem(f"/{self.field}", missing)]
        return self.record_problems(resolved)

    def record_problems(self, resolved: Any) -> list[Problem]:
        return []

    def _by_key(self, qs, datas: list[dict], fiscal_year: int) -> dict[str, Any]:
        keys = {d.get(self.field) for d in datas if d.get(self.field)}
        if not keys:
            return {}
        return {obj.key: obj for obj in qs.filter(fiscal_year=fiscal_year, key__in=keys)}


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
            }
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

    def record_problems(self, resolved: Any) -> list[Problem]:
        return [
            Problem(f"/account{p.where}", p.message)
            for p in validation.account_problems(resolved["account"])
        ]


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
            "table": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]*$", "maxLength": 100}
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

    def record_problems(self, resolved: Any) -> list[Problem]:
        return _differences("comparison", resolved["table"], resolved.get("last_year"), "/table")


@register
class BondTableBlock(FinanceBlock):
    """The 地方債 tables: {"view": "loans" | "balances"}."""

    kind = "bond_table"
    label = "地方債"
    field = "view"
    what = "地方債"
    schema = {
        "type": "object",
        "properties": {"view": {"enum": ["loans", "balances"]}},
        "additionalProperties": False,
        "required": ["view"],
    }
    VIEWS = {"loans": "借入状況", "balances": "借入先別現在高"}

    def clean(self, data: Any) -> dict:
        errors = validation.Errors()
        data = _data(data, errors)
        view = data.get("view", "loans")
        if view not in self.VIEWS:
            errors.add("/view", "表示は loans（借入状況）か balances（借入先別現在高）です。")
        errors.raise_if_any(self.label)
        return {"view": view}

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
        return problems + _differences("bonds", bonds, resolved.get("last_year"), "/bonds")


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
            }
        },
        "additionalProperties": False,
        "required": ["funds"],
    }

    def clean(self, data: Any) -> dict:
        errors = validation.Errors()
        data = _data(data, errors)
        funds = data.get("funds")
        if funds is not None:
            if not isinstance(funds, list):
                errors.add("/funds", "基金はキーの一覧か null（すべての基金）で指定してください。")
                funds = None
            else:
                funds = [_key(k, f"/funds/{i}", errors, "基金") for i, k in enumerate(funds)]
                funds = [k for k in dict.fromkeys(funds) if k]
        errors.raise_if_any(self.label)
        return {"funds": funds}

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
            problems += _differences(
                "fund", fund, resolved.get("last_year", {}).get(fund["key"]), where
            )
        return problems


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
            "grant": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]*$", "maxLength": 100}
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

    def record_problems(self, resolved: Any) -> list[Problem]:
        return [
            Problem(f"/grant{p.where}", p.message)
            for p in validation.grant_problems(resolved["grant"])
        ]


FINANCE_BLOCK_KINDS = [
    BudgetStatementBlock.kind,
    ComparisonTableBlock.kind,
    BondTableBlock.kind,
    FundTableBlock.kind,
    GrantUseBlock.kind,
]
