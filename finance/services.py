"""Writes to finance records: create, save (compare-and-set on `version`), delete, start a year.

Each service checks the actor with the permission policy, validates everything before writing
(every problem reported at once), and writes in one transaction: never a half-saved statement.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F, Model

from akiruno import wareki
from akiruno.exceptions import Conflict, InvalidInput, PermissionDenied, StaleVersion
from reports.models import AnnualReport, Department, User
from reports.permissions import policy

from . import carryover, selectors, validation
from .kinds import KINDS, RecordKind, borrowing_accounts, identity, kind_of
from .models import Account, BondLedger


def check_year_open(fiscal_year: int) -> None:
    if AnnualReport.objects.filter(
        fiscal_year=fiscal_year, state=AnnualReport.State.PUBLISHED
    ).exists():
        raise Conflict(
            f"{wareki.format_fiscal_year(fiscal_year)}の報告書は公開済みのため、"
            "財政データは変更できません。"
        )


def _clean(kind: RecordKind, raw: Any, *, fiscal_year: int, refuse_problems: bool) -> dict:
    errors = validation.Errors()
    names = borrowing_accounts(fiscal_year) if kind.name == "bonds" else None
    data = kind.clean(raw, errors, fiscal_year=fiscal_year, account_names=names)
    title = kind.title(data, names) if isinstance(data, dict) else kind.label
    errors.raise_if_any(title)
    if refuse_problems:
        problems = (
            validation.bonds_problems(data, names) if kind.name == "bonds" else kind.problems(data)
        )
        if problems:
            raise InvalidInput(
                f"{title}の数値が合いません（{len(problems)}件）。",
                details={p.where: p.message for p in problems},
            )
    return data


def _check_key_free(kind: RecordKind, *, fiscal_year: int, key: str, pk: int | None) -> None:
    if kind.name == "bonds":
        return
    clash = kind.model.objects.filter(fiscal_year=fiscal_year, key=key).exclude(pk=pk).exists()
    if clash:
        raise InvalidInput(
            f"キー「{key}」は{wareki.format_fiscal_year(fiscal_year)}の別の{kind.label}で使われています。",
            details={"/key": f"キー「{key}」は使われています。別のキーを指定してください。"},
        )


def _require_creator(user: User) -> Department:
    department = selectors.finance_department()
    if not selectors.can_create(user, department):
        raise PermissionDenied("財政データを作成できるのは、財政課の担当者・課長と管理者です。")
    if department is None:
        raise InvalidInput(
            f"財政課（コード {validation.finance_department_code()}）が登録されていません。"
            "管理者に組織の登録を依頼してください。"
        )
    if not user.is_superuser and user.department_id:
        return user.department
    return department


@transaction.atomic
def record_create(*, kind: str, fiscal_year: int, user: User, raw: Any) -> Model:
    """Create a finance record of the year from raw input (validated as on save)."""
    spec = KINDS[kind]
    department = _require_creator(user)
    check_year_open(fiscal_year)
    data = _clean(spec, raw, fiscal_year=fiscal_year, refuse_problems=spec.refuse_problems_on_save)
    if spec.name == "bonds":
        account = data.get("account")
        ledgers = BondLedger.objects.filter(fiscal_year=fiscal_year)
        if account:
            ledgers = ledgers.filter(account__key=account)
        else:
            ledgers = ledgers.filter(account__isnull=True)
        if ledgers.exists():
            raise Conflict(
                f"{wareki.format_fiscal_year(fiscal_year)}の{spec.title(data, borrowing_accounts(fiscal_year))}"
                "はすでにあります。"
            )
    _check_key_free(spec, fiscal_year=fiscal_year, key=data.get("key", ""), pk=None)
    obj = spec.model(fiscal_year=fiscal_year, department=department, updated_by=user)
    spec.write(obj, data)
    return obj


@transaction.atomic
def record_save(*, record: Model, raw: Any, user: User, version: int) -> Model:
    """Replace a record's figures with `raw`, if nobody saved it since `version` was read."""
    spec = kind_of(record)
    policy.check(user, "edit", record, message="この財政データを編集する権限がありません。")
    check_year_open(record.fiscal_year)
    if isinstance(record, BondLedger) and isinstance(raw, dict):
        # A ledger stays the ledger of its account: the account is chosen when it is created.
        raw = {k: v for k, v in raw.items() if k != "account"}
        if record.account_id is not None:
            raw["account"] = record.account.key
    data = _clean(
        spec, raw, fiscal_year=record.fiscal_year, refuse_problems=spec.refuse_problems_on_save
    )
    _check_key_free(spec, fiscal_year=record.fiscal_year, key=data.get("key", ""), pk=record.pk)
    updated = spec.model.objects.filter(pk=record.pk, version=version).update(
        version=F("version") + 1
    )
    if not updated:
        raise StaleVersion(
            "この表は、画面を開いた後に他の人が保存しました。画面を更新してから入力し直してください。"
        )
    record.version = version + 1
    record.updated_by = user
    spec.write(record, data)
    return record


@transaction.atomic
def record_delete(*, record: Model, user: User, version: int) -> None:
    spec = kind_of(record)
    policy.check(user, "edit", record, message="この財政データを削除する権限がありません。")
    check_year_open(record.fiscal_year)
    if isinstance(record, Account):
        held = BondLedger.objects.filter(account=record).exists()
        if held:
            raise Conflict(
                f"{record.name}には地方債の台帳があるため削除できません。"
                "先にその会計の地方債を削除してください。"
            )
    deleted, _ = spec.model.objects.filter(pk=record.pk, version=version).delete()
    if not deleted:
        raise StaleVersion(
            "この表は、画面を開いた後に他の人が変更しました。画面を更新してください。"
        )


@transaction.atomic
def finance_start_year(*, fiscal_year: int, user: User) -> dict[str, list[str]]:
    """Create this year's records from last year's: structure kept, openings and 前年度 filled.

    Records that already exist are left as they are (a difference from last year shows up as a
    carry-over difference, never silently overwritten); empty 前年度 cells of existing
    comparison tables are filled. Returns the titles created, filled and kept.
    """
    _require_creator(user)
    check_year_open(fiscal_year)
    done: dict[str, list[str]] = {"created": [], "filled": [], "kept": []}
    last = selectors.year_data(fiscal_year=fiscal_year - 1, with_last_year=False)
    if last.is_empty:
        raise InvalidInput(
            f"{wareki.format_fiscal_year(fiscal_year - 1)}の財政データがないため、引き継げません。"
        )
    current = selectors.year_data(fiscal_year=fiscal_year, with_last_year=False)
    existing = {(e.kind.name, identity(e.obj)): e for e in current.entries}
    for entry in last.entries:
        name = entry.kind.name
        if name == "grant":
            continue  # grants differ from year to year: nothing to carry
        key = identity(entry.obj)
        mine = existing.get((name, key))
        if mine is None:
            data = carryover.previous_year_fill(name, entry.data)
            obj = entry.kind.model(
                fiscal_year=fiscal_year, department=entry.obj.department, updated_by=user
            )
            entry.kind.write(obj, data)
            done["created"].append(entry.title)
        elif name == "comparison" and _fill_previous(mine, entry.data, user):
            done["filled"].append(mine.title)
        else:
            done["kept"].append(mine.title)
    return done


def _fill_previous(mine: selectors.Entry, last: dict, user: User) -> bool:
    """Fill the empty 前年度 cells of a comparison table from last year's 本年度."""
    filled = carryover.previous_year_fill("comparison", last)
    by_label = {(row["label"], row.get("formula")): row["previous"] for row in filled["rows"]}
    changed = False
    rows = []
    for row in mine.data["rows"]:
        value = by_label.get((row["label"], row.get("formula")))
        if not row.get("formula") and row["previous"] is None and value is not None:
            row = {**row, "previous": value}
            changed = True
        rows.append(row)
    if changed:
        record = mine.obj
        type(record).objects.filter(pk=record.pk).update(version=F("version") + 1)
        record.version += 1
        record.updated_by = user
        mine.kind.write(record, {**mine.data, "rows": rows})
    return changed
