"""Finance models to interchange-format dicts and back. One serializer for export, snapshots,
report blocks and the staff pages.

Readers expect their querysets prefetched as in finance.selectors (a fixed number of queries);
writers replace a record's rows and are called inside the services' transactions.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from . import compute
from .models import (
    Account,
    BondLedger,
    BudgetLine,
    ComparisonRow,
    ComparisonTable,
    Fund,
    FundEntry,
    Grant,
    GrantProject,
    LenderBalance,
    Loan,
    SupplementaryAmount,
)

# -- querysets that load a record whole in a fixed number of queries ---------------------------


def accounts_qs() -> QuerySet[Account]:
    lines = BudgetLine.objects.order_by("part", "position", "id").prefetch_related(
        Prefetch("supplementary", queryset=SupplementaryAmount.objects.order_by("number"))
    )
    return Account.objects.select_related("department", "updated_by").prefetch_related(
        Prefetch("lines", queryset=lines)
    )


def comparisons_qs() -> QuerySet[ComparisonTable]:
    return ComparisonTable.objects.select_related("department", "updated_by").prefetch_related(
        Prefetch("rows", queryset=ComparisonRow.objects.order_by("position", "id"))
    )


def ledgers_qs() -> QuerySet[BondLedger]:
    return BondLedger.objects.select_related(
        "department", "updated_by", "account"
    ).prefetch_related(
        Prefetch("loans", queryset=Loan.objects.order_by("position", "id")),
        Prefetch("balances", queryset=LenderBalance.objects.order_by("position", "id")),
    )


def funds_qs() -> QuerySet[Fund]:
    return Fund.objects.select_related("department", "updated_by").prefetch_related(
        Prefetch("entries", queryset=FundEntry.objects.order_by("kind", "position", "id"))
    )


def grants_qs() -> QuerySet[Grant]:
    return Grant.objects.select_related("department", "updated_by").prefetch_related(
        Prefetch("projects", queryset=GrantProject.objects.order_by("position", "id"))
    )


# -- readers ----------------------------------------------------------------------------------


def account_dict(account: Account) -> dict:
    n = account.supplementary_count
    by_parent: dict[int | None, list[BudgetLine]] = defaultdict(list)
    for line in account.lines.all():
        by_parent[line.parent_id].append(line)

    def line_dict(line: BudgetLine) -> dict:
        supplementary: list[int | None] = [None] * n
        for s in line.supplementary.all():
            if 1 <= s.number <= n:
                supplementary[s.number - 1] = s.amount
        return {
            "number": line.number,
            "name": line.name,
            "initial": line.initial,
            "supplementary": supplementary,
            "appropriation": line.appropriation,
            "settlement": line.settlement,
            "children": [line_dict(child) for child in by_parent.get(line.pk, [])],
        }

    parts = []
    for part in compute.PARTS_BY_KIND[account.kind]:
        top = [line for line in by_parent.get(None, []) if line.part == part]
        parts.append({"part": part, "lines": [line_dict(line) for line in top]})
    return {
        "key": account.key,
        "name": account.name,
        "kind": account.kind,
        "unit": account.unit,
        "order": account.order,
        "department": account.department.code,
        "supplementary_count": n,
        "parts": parts,
    }


def comparison_dict(table: ComparisonTable) -> dict:
    return {
        "key": table.key,
        "title": table.title,
        "unit": table.unit,
        "order": table.order,
        "department": table.department.code,
        "carryover_note": table.carryover_note,
        "rows": [
            {
                "letter": row.letter or None,
                "label": row.label,
                "formula": row.formula or None,
                "current": row.current,
                "previous": row.previous,
            }
            for row in table.rows.all()
        ],
    }


def rate_text(rate: Decimal) -> str:
    return str(Decimal(rate).quantize(Decimal("0.001")))


def bonds_dict(ledger: BondLedger) -> dict:
    """A ledger as the interchange format's Bonds; a special account's carries `account` (its
    key), the general account's has none (the shape of the one ledger a year had before)."""
    out = {} if ledger.account_id is None else {"account": ledger.account.key}
    return {
        **out,
        "unit": ledger.unit,
        "department": ledger.department.code,
        "loans": [
            {
                "purpose": loan.purpose,
                "amount": loan.amount,
                "date": loan.borrowed_on.isoformat(),
                "lender": loan.lender,
                "rate": rate_text(loan.rate),
                "term_years": loan.term_years,
                "grace_years": loan.grace_years,
            }
            for loan in ledger.loans.all()
        ],
        "balances": [
            {
                "lender": b.lender,
                "opening": b.opening,
                "repaid": b.repaid,
                "carryover_note": b.carryover_note,
            }
            for b in ledger.balances.all()
        ],
    }


def fund_dict(fund: Fund) -> dict:
    entries: dict[str, list[dict]] = {"deposit": [], "withdrawal": [], "sub_balance": []}
    for entry in fund.entries.all():
        entries[entry.kind].append({"label": entry.label, "amount": entry.amount})
    return {
        "key": fund.key,
        "name": fund.name,
        "unit": fund.unit,
        "order": fund.order,
        "department": fund.department.code,
        "opening": fund.opening,
        "carryover_note": fund.carryover_note,
        "deposits": entries["deposit"],
        "withdrawals": entries["withdrawal"],
        "sub_balances": entries["sub_balance"],
    }


def grant_dict(grant: Grant) -> dict:
    return {
        "key": grant.key,
        "name": grant.name,
        "unit": grant.unit,
        "order": grant.order,
        "department": grant.department.code,
        "received": grant.received,
        "projects": [
            {"name": p.name, "amount": p.amount, "description": p.description}
            for p in grant.projects.all()
        ],
    }


# -- writers (inside a transaction) -----------------------------------------------------------


def write_account(account: Account, data: dict) -> None:
    """Set an account's fields and replace its lines with those of `data` (cleaned)."""
    for field in ("key", "name", "kind", "unit", "order", "supplementary_count"):
        setattr(account, field, data[field])
    account.save()
    account.lines.all().delete()
    n = data["supplementary_count"]
    parents: list[tuple[BudgetLine, dict]] = []
    for part in data["parts"]:
        for position, line in enumerate(part["lines"]):
            parents.append((_line(account, part["part"], position, line, None), line))
    BudgetLine.objects.bulk_create([obj for obj, _ in parents])
    children: list[tuple[BudgetLine, dict]] = []
    for parent, line in parents:
        for position, child in enumerate(line.get("children") or []):
            children.append((_line(account, parent.part, position, child, parent), child))
    BudgetLine.objects.bulk_create([obj for obj, _ in children])
    amounts = [
        SupplementaryAmount(line=obj, number=k + 1, amount=value)
        for obj, line in parents + children
        for k, value in enumerate(line["supplementary"][:n])
        if value is not None
    ]
    SupplementaryAmount.objects.bulk_create(amounts)


def _line(
    account: Account, part: str, position: int, line: dict, parent: BudgetLine | None
) -> BudgetLine:
    return BudgetLine(
        account=account,
        part=part,
        parent=parent,
        position=position,
        number=line["number"],
        name=line["name"],
        initial=line["initial"],
        appropriation=line["appropriation"],
        settlement=line["settlement"],
    )


def write_comparison(table: ComparisonTable, data: dict) -> None:
    for field in ("key", "title", "unit", "order", "carryover_note"):
        setattr(table, field, data[field])
    table.save()
    table.rows.all().delete()
    ComparisonRow.objects.bulk_create(
        ComparisonRow(
            table=table,
            position=position,
            letter=row["letter"] or "",
            label=row["label"],
            formula=row["formula"] or "",
            current=row["current"],
            previous=row["previous"],
        )
        for position, row in enumerate(data["rows"])
    )


def ledger_identity(ledger: BondLedger) -> str:
    """How a ledger is told apart across years and files: "bonds" (一般会計) or "bonds:<key>"."""
    return "bonds" if ledger.account_id is None else f"bonds:{ledger.account.key}"


def write_bonds(ledger: BondLedger, data: dict) -> None:
    """Set a ledger's account (by key, in the ledger's year) and unit; replace its rows."""
    key = data.get("account")
    if not key:
        ledger.account = None
    elif ledger.account_id is None or ledger.account.key != key:
        ledger.account = Account.objects.get(fiscal_year=ledger.fiscal_year, key=key)
    ledger.unit = data["unit"]
    ledger.save()
    ledger.loans.all().delete()
    ledger.balances.all().delete()
    Loan.objects.bulk_create(
        Loan(
            ledger=ledger,
            position=position,
            purpose=loan["purpose"],
            amount=loan["amount"],
            borrowed_on=dt.date.fromisoformat(loan["date"]),
            lender=loan["lender"],
            rate=Decimal(loan["rate"]),
            term_years=loan["term_years"],
            grace_years=loan["grace_years"],
        )
        for position, loan in enumerate(data["loans"])
    )
    LenderBalance.objects.bulk_create(
        LenderBalance(
            ledger=ledger,
            position=position,
            lender=b["lender"],
            opening=b["opening"],
            repaid=b["repaid"],
            carryover_note=b["carryover_note"],
        )
        for position, b in enumerate(data["balances"])
    )


FUND_FIELDS = {"deposits": "deposit", "withdrawals": "withdrawal", "sub_balances": "sub_balance"}


def write_fund(fund: Fund, data: dict) -> None:
    for field in ("key", "name", "unit", "order", "opening", "carryover_note"):
        setattr(fund, field, data[field])
    fund.save()
    fund.entries.all().delete()
    FundEntry.objects.bulk_create(
        FundEntry(fund=fund, kind=kind, position=position, label=e["label"], amount=e["amount"])
        for field, kind in FUND_FIELDS.items()
        for position, e in enumerate(data[field])
    )


def write_grant(grant: Grant, data: dict) -> None:
    for field in ("key", "name", "unit", "order", "received"):
        setattr(grant, field, data[field])
    grant.save()
    grant.projects.all().delete()
    GrantProject.objects.bulk_create(
        GrantProject(
            grant=grant,
            position=position,
            name=p["name"],
            amount=p["amount"],
            description=p["description"],
        )
        for position, p in enumerate(data["projects"])
    )
