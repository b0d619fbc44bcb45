"""Read paths for finance records. Each runs a fixed number of queries, whatever the size."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model

from akiruno.exceptions import NotFound
from reports import blocks
from reports.models import AnnualReport, Department, User
from reports.permissions import is_admin, is_member, is_reviewer, policy

from . import carryover, compute, validation
from .kinds import KINDS, RecordKind, identity, kind_of
from .models import Account, BondLedger, ComparisonTable, Fund, Grant


@dataclass
class Entry:
    """A record with its interchange dict, identity problems and carry-over differences."""

    obj: Any
    kind: RecordKind
    data: dict
    problems: list = field(default_factory=list)
    differences: list = field(default_factory=list)

    @property
    def title(self) -> str:
        if isinstance(self.obj, BondLedger) and self.obj.account_id is not None:
            return self.kind.title(self.data, {self.obj.account.key: self.obj.account.name})
        return self.kind.title(self.data)

    @property
    def blocking(self) -> list:
        return self.problems + [d for d in self.differences if not d.noted]


@dataclass
class YearData:
    fiscal_year: int
    accounts: list[Entry]
    comparisons: list[Entry]
    bonds: Entry | None  # the general account's 地方債 ledger
    funds: list[Entry]
    grants: list[Entry]
    # Every 地方債 ledger of the year: the general account's first, then by account order.
    ledgers: list[Entry] = field(default_factory=list)

    @property
    def entries(self) -> list[Entry]:
        return [*self.accounts, *self.comparisons, *self.ledgers, *self.funds, *self.grants]

    @property
    def ledger_accounts(self) -> list[Entry]:
        """The special and enterprise accounts of the year that have no 地方債 ledger yet."""
        held = {e.data.get("account") for e in self.ledgers}
        return [
            e for e in self.accounts if e.data["kind"] != "general" and e.data["key"] not in held
        ]

    @property
    def is_empty(self) -> bool:
        return not self.entries


def finance_department() -> Department | None:
    return Department.objects.filter(code=validation.finance_department_code()).first()


def can_create(user: User, department: Department | None) -> bool:
    """Administrators and the finance division's editors and heads create finance records."""
    return is_admin(user) or (department is not None and is_member(user, department.pk))


def can_browse(user: User, department: Department | None) -> bool:
    return is_admin(user) or is_reviewer(user) or can_create(user, department)


def _problems(kind: RecordKind, obj: Model, data: dict) -> list:
    """The record's identity problems; a special account's ledger names its account."""
    if isinstance(obj, BondLedger) and obj.account_id is not None:
        return validation.bonds_problems(data, {obj.account.key: obj.account.name})
    return kind.problems(data)


def _last_year(kind: RecordKind, fiscal_year: int, keys: list[str]) -> dict[str, dict]:
    """Last year's records of the kind by identity (finance.kinds.identity)."""
    qs = kind.queryset().filter(fiscal_year=fiscal_year - 1)
    if kind.name != "bonds":
        qs = qs.filter(key__in=keys)
    return {identity(obj): kind.to_dict(obj) for obj in qs}


def ledger_order(entries: list[Entry], accounts: list[Entry]) -> list[Entry]:
    """Ledgers in printed order: 一般会計 first, then as their accounts are ordered."""
    rank = {e.data["key"]: i for i, e in enumerate(accounts)}
    return sorted(
        entries,
        key=lambda e: (
            e.data.get("account") is not None,
            rank.get(e.data.get("account"), len(rank)),
            e.obj.pk,
        ),
    )


def year_data(
    *, fiscal_year: int, user: User | None = None, with_last_year: bool = True
) -> YearData:
    """Every finance record of a year the user may see, checked, in a fixed number of queries."""
    found: dict[str, list[Entry]] = {}
    for name, kind in KINDS.items():
        qs = kind.queryset().filter(fiscal_year=fiscal_year)
        if user is not None:
            qs = policy.visible(user, kind.model, qs)
        entries = []
        for obj in qs:
            data = kind.to_dict(obj)
            entries.append(Entry(obj, kind, data, _problems(kind, obj, data)))
        found[name] = entries
        if with_last_year and name in carryover.CHECKS:
            last = _last_year(kind, fiscal_year, [getattr(e.obj, "key", "") for e in entries])
            for entry in entries:
                entry.differences = carryover.differences(
                    name, entry.data, last.get(identity(entry.obj))
                )
    return YearData(
        fiscal_year=fiscal_year,
        accounts=found["account"],
        comparisons=found["comparison"],
        bonds=next((e for e in found["bonds"] if e.obj.account_id is None), None),
        funds=found["fund"],
        grants=found["grant"],
        ledgers=ledger_order(found["bonds"], found["account"]),
    )


def record_entry(*, kind: str, pk: int, user: User) -> Entry:
    """One record, checked against last year's; 404 if missing or not visible to the user."""
    spec = KINDS[kind]
    obj = spec.queryset().filter(pk=pk).first()
    if obj is None:
        raise NotFound("見つかりません。")
    policy.check(user, "view", obj)
    return entry_for(obj)


def entry_for(obj: Model) -> Entry:
    spec = kind_of(obj)
    data = spec.to_dict(obj)
    entry = Entry(obj, spec, data, _problems(spec, obj, data))
    if spec.name in carryover.CHECKS:
        last = _last_year(spec, obj.fiscal_year, [getattr(obj, "key", "")])
        entry.differences = carryover.differences(spec.name, data, last.get(identity(obj)))
    return entry


def finance_years() -> list[int]:
    """Fiscal years that have a report or any finance record, newest first."""
    years: set[int] = set(AnnualReport.objects.values_list("fiscal_year", flat=True))
    for model in (Account, ComparisonTable, BondLedger, Fund, Grant):
        years.update(model.objects.values_list("fiscal_year", flat=True).distinct())
    return sorted(years, reverse=True)


def year_totals(entry: Entry) -> dict:
    """Figures for the year overview: revenue and expenditure 最終予算額, balance."""
    data = entry.data
    n = data["supplementary_count"]
    sides = []
    for part in data["parts"]:
        total = compute.total_figures(part["lines"], n)
        sides.append((compute.PART_LABELS[part["part"]], total.final, total.settlement))
    return {"sides": sides, "lines": sum(len(p["lines"]) for p in data["parts"])}


def block_choices(*, fiscal_year: int) -> dict[str, list[tuple[str, str]]]:
    """What a finance block of a section may refer to: (key, title) per block kind."""
    from finance.blocks import FinanceBlock

    return {
        name: kind.choices(fiscal_year=fiscal_year)
        for name, kind in blocks.kinds().items()
        if isinstance(kind, FinanceBlock)
    }
