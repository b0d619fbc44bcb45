"""The 地方債 tables (借入状況 or 借入先別現在高) of one account's ledger, or the summary of
every ledger of the year, by reference."""

from __future__ import annotations

from typing import Any

from akiruno import cleaning
from finance import charts, records, tables, validation
from finance.blocks import KEY_LIMIT, FinanceBlock, differences
from reports import charts as chart_kit
from reports.blocks import Problem, register
from reports.tables import TableView

ALL = "all"


@register
class BondTableBlock(FinanceBlock):
    """The 地方債 tables: {"view": "loans" | "balances", "account": key | "all"}.

    `account` absent: the general account's ledger (一般会計, as before ledgers per account); a
    special or enterprise account's key: that account's ledger; "all" (with "balances"): one
    line per ledger with its totals and the overall total across ledgers."""

    kind = "bond_table"
    label = "地方債"
    field = "view"
    what = "地方債"
    schema = {
        "type": "object",
        "properties": {
            "view": {"enum": ["loans", "balances"]},
            "account": {
                "type": "string",
                "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]*$",
                "maxLength": KEY_LIMIT,
                "description": "会計: 特別会計・公営企業会計のキー（その会計の地方債）、"
                "all=会計別の現在高と全会計の合計（view が balances のときのみ）。"
                "省略時は一般会計の地方債",
            },
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
        account = data.get("account")
        if account is not None:
            if not cleaning.is_key(account, limit=KEY_LIMIT):
                errors.add(
                    "/account",
                    f"地方債の会計「{account}」は使えません。特別会計・公営企業会計のキー"
                    "（半角英数字・ハイフン・下線）か all を指定してください（一般会計は省略）。",
                )
                account = None
            elif account == ALL and view == "loans":
                errors.add(
                    "/account",
                    "会計 all（会計別の現在高と合計）は表示 balances（借入先別現在高）と"
                    "組み合わせてください。",
                )
        chart = self.clean_chart(data, errors)
        errors.raise_if_any(self.label)
        cleaned = {"view": view}
        if account:
            cleaned["account"] = account
        return self.with_chart(cleaned, chart)

    def charts(self, data: dict, resolved: Any) -> list[list[chart_kit.Chart]]:
        if "ledgers" in resolved:
            return []
        if data["view"] == "balances":
            return charts.balance_charts(resolved["bonds"])
        return charts.loan_charts(resolved["bonds"])

    def blank_data(self) -> dict:
        return {"view": "loans"}

    def missing_message(self, data: dict, resolved: Any) -> str:
        if resolved is not None:
            return ""
        account = data.get("account")
        if account and account != ALL:
            return f"この年度の会計「{account}」の地方債のデータがありません。"
        return "この年度の地方債のデータがありません。"

    def strict_problems(self, data: dict, resolved: Any) -> list[Problem]:
        missing = self.missing_message(data, resolved)
        if missing:
            return [Problem("/account" if data.get("account") else "/view", missing)]
        return self.record_problems(resolved)

    def resolve_many(self, datas: list[dict], *, fiscal_year: int) -> list[Any]:
        """Every ledger of the year and last year in a fixed number of queries, however many
        blocks and ledgers."""
        if not datas:
            return []
        found = list(
            records.ledgers_qs()
            .filter(fiscal_year__in=[fiscal_year, fiscal_year - 1])
            .order_by("fiscal_year", "account__order", "account__key", "id")
        )
        current = [obj for obj in found if obj.fiscal_year == fiscal_year]
        last = {
            records.ledger_identity(obj): records.bonds_dict(obj)
            for obj in found
            if obj.fiscal_year != fiscal_year
        }
        general = sorted(current, key=lambda obj: obj.account_id is not None)
        ledgers = [
            {
                "account": obj.account.key if obj.account_id else None,
                "name": obj.account_name,
                "bonds": records.bonds_dict(obj),
                "identity": records.ledger_identity(obj),
            }
            for obj in general
        ]
        by_account = {ledger["account"]: ledger for ledger in ledgers}
        out: list[Any] = []
        for data in datas:
            account = data.get("account")
            if account == ALL:
                out.append(
                    {
                        "ledgers": [
                            {k: v for k, v in ledger.items() if k != "identity"}
                            for ledger in ledgers
                        ],
                        "last_year": {
                            ledger["identity"]: last.get(ledger["identity"]) for ledger in ledgers
                        },
                    }
                    if ledgers
                    else None
                )
                continue
            ledger = by_account.get(account or None)
            if ledger is None:
                out.append(None)
                continue
            value = {"bonds": ledger["bonds"], "last_year": last.get(ledger["identity"])}
            if account:
                value["name"] = ledger["name"]
            out.append(value)
        return out

    def tables(self, data: dict, resolved: Any) -> list[TableView]:
        if not resolved:
            return []
        if "ledgers" in resolved:
            return tables.ledger_summary_tables(
                [(ledger["name"], ledger["bonds"]) for ledger in resolved["ledgers"]]
            )
        name = resolved.get("name", "")
        if data["view"] == "balances":
            return tables.balance_tables(resolved["bonds"], name)
        return tables.loan_tables(resolved["bonds"], name)

    def record_problems(self, resolved: Any) -> list[Problem]:
        if "ledgers" in resolved:
            problems = []
            for i, ledger in enumerate(resolved["ledgers"]):
                bonds = ledger["bonds"]
                names = {ledger["account"]: ledger["name"]} if ledger["account"] else None
                identity = f"bonds:{ledger['account']}" if ledger["account"] else "bonds"
                where = f"/ledgers/{i}/bonds"
                problems += [
                    Problem(f"{where}{p.where}", p.message)
                    for p in validation.bonds_problems(bonds, names)
                ]
                problems += differences(
                    "bonds", bonds, (resolved.get("last_year") or {}).get(identity), where
                )
            return problems
        bonds = resolved["bonds"]
        names = {bonds["account"]: resolved.get("name", "")} if bonds.get("account") else None
        problems = [
            Problem(f"/bonds{p.where}", p.message) for p in validation.bonds_problems(bonds, names)
        ]
        return problems + differences("bonds", bonds, resolved.get("last_year"), "/bonds")

    def choices(self, *, fiscal_year: int) -> list[tuple[str, str]]:
        return [("loans", "地方債借入状況"), ("balances", "地方債借入先別現在高")]
