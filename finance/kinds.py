"""The five kinds of finance record, described once for services, views and the interchange."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet

from reports.blocks import Problem

from . import records, validation
from .models import Account, BondLedger, ComparisonTable, Fund, Grant


@dataclass(frozen=True)
class RecordKind:
    name: str
    label: str
    model: type[Model]
    queryset: Callable[[], QuerySet]
    to_dict: Callable[[Any], dict]
    clean_raw: Callable[..., dict]
    write: Callable[[Any, dict], None]
    problems: Callable[[dict], list[Problem]]
    # Identities refused when staff save (the balance of 歳入 and 歳出 is refused at submission).
    refuse_problems_on_save: bool = True

    def clean(
        self,
        raw: Any,
        errors: validation.Errors,
        where: str = "",
        *,
        fiscal_year: int,
        account_names: dict[str, str] | None = None,
    ) -> dict:
        if self.name == "bonds":
            return self.clean_raw(
                raw, errors, where, fiscal_year=fiscal_year, account_names=account_names
            )
        return self.clean_raw(raw, errors, where)

    def title(self, data: dict, account_names: dict[str, str] | None = None) -> str:
        if self.name == "bonds":
            account = data.get("account") if isinstance(data, dict) else None
            if account:
                return f"地方債（{(account_names or {}).get(account, account)}）"
            return "地方債"
        return data.get("name") or data.get("title") or self.label


KINDS: dict[str, RecordKind] = {
    "account": RecordKind(
        "account",
        "会計（予算の執行状況）",
        Account,
        records.accounts_qs,
        records.account_dict,
        validation.clean_account,
        records.write_account,
        validation.account_problems,
        refuse_problems_on_save=False,
    ),
    "comparison": RecordKind(
        "comparison",
        "年度比較表",
        ComparisonTable,
        records.comparisons_qs,
        records.comparison_dict,
        validation.clean_comparison,
        records.write_comparison,
        lambda data: [],
    ),
    "bonds": RecordKind(
        "bonds",
        "地方債",
        BondLedger,
        records.ledgers_qs,
        records.bonds_dict,
        validation.clean_bonds,
        records.write_bonds,
        validation.bonds_problems,
    ),
    "fund": RecordKind(
        "fund",
        "基金",
        Fund,
        records.funds_qs,
        records.fund_dict,
        validation.clean_fund,
        records.write_fund,
        validation.fund_problems,
    ),
    "grant": RecordKind(
        "grant",
        "交付金",
        Grant,
        records.grants_qs,
        records.grant_dict,
        validation.clean_grant,
        records.write_grant,
        validation.grant_problems,
    ),
}
BY_MODEL = {kind.model: kind for kind in KINDS.values()}
# The URL name of each kind, for the staff pages and the API.
SLUGS = {
    "accounts": "account",
    "comparisons": "comparison",
    "bonds": "bonds",
    "funds": "fund",
    "grants": "grant",
}
SLUG_OF = {kind: slug for slug, kind in SLUGS.items()}


def kind_of(obj: Model) -> RecordKind:
    return BY_MODEL[type(obj)]


def identity(obj: Model) -> str:
    """A record's identity within a year, the same across years: its key, or for a 地方債
    ledger "bonds" (一般会計) / "bonds:<account key>"."""
    if isinstance(obj, BondLedger):
        return records.ledger_identity(obj)
    return obj.key


def borrowing_accounts(fiscal_year: int) -> dict[str, str]:
    """Key → name of the year's accounts that may have a 地方債 ledger of their own."""
    return dict(
        Account.objects.filter(fiscal_year=fiscal_year)
        .exclude(kind=Account.Kind.GENERAL)
        .order_by("order", "key")
        .values_list("key", "name")
    )
