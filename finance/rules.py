"""Permission rules for finance records, registered with the one policy.

A finance record belongs to a department (the finance division, 財政課, by default): its editors
and heads view and edit it, reviewers (企画政策課) and administrators view every record, and
administrators may edit too. Anyone else does not see it (policy.check raises NotFound: 404).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from reports.permissions import Actor, policy

from .models import Account, BondLedger, ComparisonTable, Fund, Grant

FINANCE_MODELS = (Account, ComparisonTable, BondLedger, Fund, Grant)


def can_finance_record(user: Actor, action: str, record: Any) -> bool:
    if action == "view":
        return policy.can_department_record(user, "view", record.department_id)
    if action in {"edit", "delete"}:
        return policy.can_department_record(user, "edit", record.department_id)
    return False


def visible_finance_records(user: Actor, qs: QuerySet) -> QuerySet:
    return policy.department_records(user, qs)


def register() -> None:
    for model in FINANCE_MODELS:
        policy.register(model, can=can_finance_record, visible=visible_finance_records)
