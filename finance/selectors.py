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
from .kinds import KINDS, RecordKind, kind_of
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
        return self.kind.title(self.data)

    @property
    def blocking(self) -> list:
        return self.problems + [d for d in self.differences if not d.noted]


@dataclass
class YearData:
    fiscal_year: int
    accounts: list[Entry]
    comparisons: list[Entry]
    bonds: Entry | None
    funds: list[Entry]
    grants: list[Entry]

    @property
    def entries(self) -> list[Entry]:
        out = [*self.accounts, *self.comparisons]
        if self.bonds:
            out.append(self.bonds)
        return out + self.funds + self.grants

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


def _last_year(kind: RecordKind, fiscal_year: int, keys: list[str]) -> dict[str, dict]:
    qs = kind.queryset().filter(fiscal_year=fiscal_year - 1)
    if kind.name != "bonds":
        qs = qs.filter(key__in=keys)
    return {getattr(obj, "key", "bonds"): kind.to_dict(obj) for obj in qs}


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
            entries.append(Entry(obj, kind, data, kind.problems(data)))
        found[name] = entries
        if with_last_year and name in carryover.CHECKS:
            last = _last_year(kind, fiscal_year, [getattr(e.obj, "key", "") for e in entries])
            for entry in entries:
                entry.differences = carryover.differences(
                    name, entry.data, last.get(getattr(entry.obj, "key", "bonds"))
                )
    return YearData(
        fiscal_year=fiscal_year,
        accounts=found["account"],
        comparisons=found["comparison"],
        bonds=found["bonds"][0] if found["bonds"] else None,
        funds=found["fund"],
        grants=found["grant"],
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
    entry = Entry(obj, spec, data, spec.problems(data))
    if spec.name in carryover.CHECKS:
        last = _last_year(spec, obj.fiscal_year, [getattr(obj, "key", "")])
        entry.differences = carryover.differences(
            spec.name, data, last.get(getattr(obj, "key", "bonds"))
        )
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
