"""Administration of the organisation and the fiscal years: departments and annual reports.

Writes only; each checks the actor with the permission policy, validates every field at once
(InvalidInput with details) and saves in one transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Model

from akiruno.exceptions import Conflict, InvalidInput, PermissionDenied, StaleVersion
from akiruno.wareki import format_fiscal_year
from reports.models import AnnualReport, Department, Section, User
from reports.permissions import policy

DEPARTMENT_FIELDS = {"code", "name", "kind", "parent", "display_order", "is_active", "successor"}
REPORT_FIELDS = {"title", "deadline"}
FISCAL_YEAR_RANGE = (1989, 2100)


def _require(actor: User, action: str, obj: Model) -> None:
    if not policy.can(actor, action, obj):
        raise PermissionDenied(policy.denied_message(action, obj))


def _clean(obj: Model, *, what: str, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise InvalidInput(
            f"{what}の入力内容に誤りがあります。", details=exc.message_dict
        ) from None


def _save(obj: Model) -> None:
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise Conflict(
            "同時に同じものが登録されました。一覧を確認してから再度お試しください。"
        ) from None


def _check_department_links(department: Department) -> None:
    errors = {}
    if department.pk and department.parent_id == department.pk:
        errors["parent"] = "自分自身を上位組織にはできません。"
    elif department.pk and department.parent_id:
        ancestor, seen = department.parent, set()
        while ancestor is not None and ancestor.pk not in seen:
            if ancestor.pk == department.pk:
                errors["parent"] = "下位の組織を上位組織にはできません（循環します）。"
                break
            seen.add(ancestor.pk)
            ancestor = ancestor.parent
    if department.pk and department.successor_id == department.pk:
        errors["successor"] = "自分自身を統合・改称先にはできません。"
    if errors:
        raise InvalidInput("組織のつながりに誤りがあります。", details=errors)


@transaction.atomic
def department_create(
    *,
    actor: User,
    code: str,
    name: str,
    kind: str = Department.Kind.KA,
    parent: Department | None = None,
    display_order: int = 0,
    is_active: bool = True,
    successor: Department | None = None,
) -> Department:
    _require(actor, "manage", Department())
    department = Department(
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        display_order=display_order,
        is_active=is_active,
        successor=successor,
    )
    _clean(department, what="組織")
    _save(department)
    return department


@transaction.atomic
def department_update(*, department: Department, actor: User, **changes: Any) -> Department:
    policy.check(actor, "manage", department)
    unknown = set(changes) - DEPARTMENT_FIELDS
    if unknown:
        raise TypeError(f"department_update: unknown fields {sorted(unknown)}")
    for field, value in changes.items():
        setattr(department, field, value)
    _check_department_links(department)
    _clean(department, what="組織")
    _save(department)
    return department


@transaction.atomic
def report_create(
    *,
    actor: User,
    fiscal_year: int,
    title: str = "",
    deadline: dt.date | None = None,
    create_sections: bool = True,
) -> AnnualReport:
    """Open a fiscal year's report; with `create_sections`, an empty section per active 課."""
    _require(actor, "manage", AnnualReport())
    low, high = FISCAL_YEAR_RANGE
    if not low <= fiscal_year <= high:
        raise InvalidInput(
            "年度が範囲外です。",
            details={"fiscal_year": f"{low}〜{high} の西暦の年度で入力してください。"},
        )
    if AnnualReport.objects.filter(fiscal_year=fiscal_year).exists():
        raise InvalidInput(
            f"{format_fiscal_year(fiscal_year)}の事務報告書は既にあります。",
            details={"fiscal_year": "まだ事務報告書のない年度を指定してください。"},
        )
    report = AnnualReport(
        fiscal_year=fiscal_year,
        title=title.strip() or f"{format_fiscal_year(fiscal_year)} 事務報告書",
        deadline=deadline,
    )
    _check_deadline(report)
    _clean(report, what="事務報告書", exclude=["approved_by"])
    _save(report)
    if create_sections:
        departments = Department.objects.filter(is_active=True, kind=Department.Kind.KA)
        Section.objects.bulk_create(
            Section(report=report, department=d, department_name=d.name) for d in departments
        )
    return report


@transaction.atomic
def report_update(
    *, report: AnnualReport, actor: User, expected_version: int, **changes: Any
) -> AnnualReport:
    """Change a report's title or deadline while it is being prepared (compare-and-set)."""
    policy.check(actor, "manage", report)
    unknown = set(changes) - REPORT_FIELDS
    if unknown:
        raise TypeError(f"report_update: unknown fields {sorted(unknown)}")
    if report.state != AnnualReport.State.PREPARING:
        raise Conflict(
            f"「{report.get_state_display()}」の事務報告書は変更できません（作成中のみ変更できます）。"
        )
    if "title" in changes:
        changes["title"] = (changes["title"] or "").strip()
    for field, value in changes.items():
        setattr(report, field, value)
    _check_deadline(report)
    _clean(report, what="事務報告書", exclude=["approved_by"])
    updated = AnnualReport.objects.filter(
        pk=report.pk, version=expected_version, state=AnnualReport.State.PREPARING
    ).update(**changes, version=F("version") + 1)
    if not updated:
        raise StaleVersion(
            "他の人が先にこの事務報告書を変更しました。最新の内容を確認してください。"
        )
    report.refresh_from_db()
    return report


def _check_deadline(report: AnnualReport) -> None:
    if report.deadline and report.deadline < dt.date(report.fiscal_year, 4, 1):
        raise InvalidInput(
            "提出期限が年度の始まりより前です。",
            details={
                "deadline": f"{report.fiscal_year}-04-01 以降の日付を入力してください"
                f"（{format_fiscal_year(report.fiscal_year)}は{report.fiscal_year}年4月1日から）。"
            },
        )
