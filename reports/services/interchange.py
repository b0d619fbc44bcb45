"""Export and import a fiscal year's report in the interchange format (docs/report-format.md).

Export is a pure read. Import validates everything before it keeps anything: the JSON Schema
first, then every domain rule (block data, nesting, meetings, finance identities), collecting
every problem with its JSON pointer; then it writes in one transaction, or not at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from django.conf import settings
from django.db import transaction

from akiruno.exceptions import Conflict, InvalidInput
from akiruno.inputs import describe, forbidden_char, forbidden_message
from reports.models import AnnualReport, Department, Section, User
from reports.permissions import policy
from reports.snapshot import section_content

FORMAT_NAME = "akiruno-jimuhokoku"
FORMAT_VERSION = 1
SCHEMA_PATH = Path(settings.BASE_DIR) / "docs" / "report-format.schema.json"


@cache
def _schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def canonical_json(data: Any) -> str:
    """The one byte-stable rendering of a document: sorted keys, UTF-8, two-space indent."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def export_report(*, fiscal_year: int, department: str | None = None) -> dict:
    """The whole report of a fiscal year (or one department's part) as an interchange document."""
    from finance.interchange import export_finance
    from meetings.interchange import export_meetings

    try:
        report = AnnualReport.objects.get(fiscal_year=fiscal_year)
    except AnnualReport.DoesNotExist:
        raise InvalidInput(f"{fiscal_year}年度の事務報告書はありません。") from None
    sections = list(
        Section.objects.filter(report=report)
        .select_related("department", "report")
        .order_by("department__display_order", "department__code")
    )
    if department:
        sections = [s for s in sections if s.department.code == department]
        if not sections:
            raise InvalidInput(
                f"{fiscal_year}年度に課コード「{department}」の課別報告はありません。",
                details={"department": "その年度に課別報告のある課のコードを指定してください。"},
            )
    departments = _departments_with_parents([s.department for s in sections])
    meetings = export_meetings(fiscal_year=fiscal_year)
    finance = export_finance(fiscal_year=fiscal_year)
    if department:
        meetings = {
            **meetings,
            "bodies": [b for b in meetings.get("bodies", []) if b.get("department") == department],
        }
        finance = _finance_of(finance, department)
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "fiscal_year": fiscal_year,
        "report": {
            "title": report.title,
            "deadline": report.deadline.isoformat() if report.deadline else None,
        },
        "departments": [
            {
                "code": d.code,
                "name": d.name,
                "kind": d.kind,
                "parent": d.parent.code if d.parent_id else None,
                "display_order": d.display_order,
            }
            for d in departments
        ],
        "meetings": meetings,
        "finance": finance,
        "sections": [
            {
                "department": s.department.code,
                "state": s.state,
                "items": section_content(s, with_ids=False, resolve=False)["items"],
            }
            for s in sections
        ],
    }


def _finance_of(finance: dict, department: str) -> dict:
    """The finance records one department owns (each record names its `department`)."""
    out: dict = {}
    for key, value in finance.items():
        if isinstance(value, list):
            out[key] = [record for record in value if record.get("department") == department]
        elif isinstance(value, dict):
            out[key] = value if value.get("department") == department else None
        else:
            out[key] = value
    return out


def _departments_with_parents(departments: list[Department]) -> list[Department]:
    seen: dict[int, Department] = {}
    by_id = {d.pk: d for d in Department.objects.select_related("parent")}
    for department in departments:
        current: Department | None = by_id.get(department.pk)
        while current is not None and current.pk not in seen:
            seen[current.pk] = current
            current = by_id.get(current.parent_id) if current.parent_id else None
    return sorted(seen.values(), key=lambda d: (d.display_order, d.code))


@dataclass
class ImportResult:
    fiscal_year: int
    created_sections: list[str] = field(default_factory=list)
    replaced_sections: list[str] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        verb = "検証しました（書き込みなし）" if self.dry_run else "取り込みました"
        parts = []
        if self.created_sections:
            parts.append(f"新規 {len(self.created_sections)} 課")
        if self.replaced_sections:
            parts.append(f"置換 {len(self.replaced_sections)} 課")
        return f"{self.fiscal_year}年度の事務報告書を{verb}（{'、'.join(parts) or '変更なし'}）。"


class _DryRunRollback(Exception):
    pass


def schema_errors(document: Any) -> dict[str, str]:
    """Every JSON Schema violation, keyed by JSON pointer."""
    validator = jsonschema.Draft202012Validator(_schema())
    errors: dict[str, str] = {}
    for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
        pointer = "/" + "/".join(str(p) for p in error.absolute_path)
        errors.setdefault(pointer, _schema_message(error))
    return errors


def _schema_message(error: jsonschema.ValidationError) -> str:
    kind = error.validator
    if kind == "required":
        return f"必須の項目がありません: {error.message.split(' ')[0]}"
    if kind == "type":
        return f"型が違います（{error.validator_value} が必要です）。"
    if kind == "enum":
        return f"使える値は {', '.join(map(str, error.validator_value))} です。"
    if kind == "additionalProperties":
        return f"定義されていない項目があります: {error.message}"
    if kind == "const":
        return f"値は {error.validator_value} でなければなりません。"
    return f"形式に合いません: {error.message}"


def import_report(
    document: Any,
    *,
    user: User,
    department: str | None = None,
    dry_run: bool = False,
    replace: bool = False,
    keep_states: bool = False,
) -> ImportResult:
    """Validate the whole document, then write it in one transaction (or nothing)."""
    from finance.interchange import import_finance
    from meetings.interchange import import_meetings
    from reports.services.content import section_replace_content
    from reports.services.workflow import section_set_imported_state

    found = forbidden_char(document)
    if found:
        place, char = found
        raise InvalidInput(
            forbidden_message(char, "取込みファイル"),
            details={place: f"{describe(char)} は使えません。"},
        )
    errors = schema_errors(document)
    if errors:
        raise InvalidInput(
            f"取込みファイルの形式に誤りがあります（{len(errors)}件）。", details=errors
        )
    missing = (
        {}
        if isinstance(document.get("report"), dict)
        else {
            "/report": "必須の項目がありません: report（報告書の表題 title を持つオブジェクト）。"
        }
    )
    from reports.services.rendering import RESERVED_CODES

    reserved = {
        f"/departments/{i}/code": f"課コード「{row.get('code')}」は公開サイトの URL の予約語"
        f"（{'、'.join(sorted(RESERVED_CODES))}）と重なるため使えません。別のコードにしてください。"
        for i, row in enumerate(document.get("departments") or [])
        if isinstance(row, dict) and row.get("code") in RESERVED_CODES
    }
    reserved.update(
        {
            f"/sections/{i}/department": f"課コード「{row.get('department')}」は公開サイトの URL の"
            "予約語と重なるため使えません。"
            for i, row in enumerate(document.get("sections") or [])
            if isinstance(row, dict) and row.get("department") in RESERVED_CODES
        }
    )
    if missing or reserved:
        problems_found = {**missing, **reserved}
        raise InvalidInput(
            f"取込みファイルに誤りがあります（{len(problems_found)}件）。何も取り込んでいません。",
            details=problems_found,
        )
    if document["format_version"] != FORMAT_VERSION:
        raise InvalidInput(
            f"形式の版 {document['format_version']} には対応していません（対応: {FORMAT_VERSION}）。",
            details={"/format_version": f"{FORMAT_VERSION} を指定してください。"},
        )
    fiscal_year = document["fiscal_year"]
    report = AnnualReport.objects.filter(fiscal_year=fiscal_year).first()
    probe = report or AnnualReport(fiscal_year=fiscal_year, title=document["report"]["title"])
    policy.check(user, "import", probe, message="取込みはシステム管理者のみ行えます。")
    if keep_states and not user.is_superuser:
        raise InvalidInput("ファイルの状態のまま取り込めるのはシステム管理者のみです。")
    if report is not None and not replace and report.sections.exists() and not department:
        raise Conflict(
            f"{fiscal_year}年度の事務報告書はすでにあります。置き換える場合は replace を指定してください。"
        )
    if report is not None and report.state != AnnualReport.State.PREPARING:
        raise Conflict(
            f"{fiscal_year}年度の事務報告書は{report.get_state_display()}のため、取り込めません。"
        )

    result = ImportResult(fiscal_year=fiscal_year, dry_run=dry_run)
    sections = [
        (index, s)
        for index, s in enumerate(document["sections"])
        if department is None or s["department"] == department
    ]
    if department and not sections:
        raise InvalidInput(f"ファイルに課コード「{department}」の課別報告がありません。")

    problems: dict[str, str] = {}

    def collect(step) -> None:
        try:
            with transaction.atomic():
                step()
        except InvalidInput as exc:
            if isinstance(exc.details, dict) and exc.details:
                problems.update(exc.details)
            else:
                problems.setdefault("/", exc.message)

    try:
        with transaction.atomic():
            departments = _upsert_departments(document.get("departments") or [])
            report = report or AnnualReport.objects.create(
                fiscal_year=fiscal_year, title=document["report"]["title"]
            )
            report.title = document["report"]["title"]
            report.deadline = document["report"].get("deadline") or None
            report.save(update_fields=["title", "deadline"])
            collect(
                lambda: import_meetings(
                    document.get("meetings") or {"bodies": []},
                    fiscal_year=fiscal_year,
                    departments=departments,
                )
            )
            if department in (None, "zaisei"):
                collect(
                    lambda: import_finance(document.get("finance") or {}, fiscal_year=fiscal_year)
                )
            for index, data in sections:
                dept = departments.get(data["department"])
                if dept is None:
                    problems[f"/sections/{index}/department"] = (
                        f"課コード「{data['department']}」が departments にありません。"
                    )
                    continue

                def write_section(index=index, data=data, dept=dept) -> None:
                    section = Section.objects.filter(report=report, department=dept).first()
                    state = data.get("state", "draft") if keep_states else Section.State.DRAFT
                    if section is None:
                        section = Section.objects.create(
                            report=report, department=dept, department_name=dept.name
                        )
                        result.created_sections.append(dept.code)
                    else:
                        if not section.is_editable:
                            raise InvalidInput(
                                "置き換えできません。",
                                details={
                                    f"/sections/{index}": f"{dept.name}の課別報告は「{section.get_state_display()}」"
                                    "のため置き換えられません（作成中・差戻しのみ）。"
                                },
                            )
                        result.replaced_sections.append(dept.code)
                    try:
                        section_replace_content(
                            section=section,
                            content={"items": data["items"]},
                            user=user,
                            summary="取込み",
                            action="import",
                        )
                    except InvalidInput as exc:
                        raise InvalidInput(
                            exc.message,
                            details={
                                f"/sections/{index}{k if k.startswith('/') else '/' + k}": v
                                for k, v in (exc.details or {"": exc.message}).items()
                            },
                        ) from None
                    if keep_states and state != Section.State.DRAFT:
                        section_set_imported_state(section=section, user=user, state=state)

                collect(write_section)
            if problems:
                raise InvalidInput(
                    f"取込みファイルに誤りがあります（{len(problems)}件）。何も取り込んでいません。",
                    details=dict(sorted(problems.items())),
                )
            if dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        pass
    return result


def _upsert_departments(rows: list[dict]) -> dict[str, Department]:
    out: dict[str, Department] = {}
    for row in rows:
        department, _ = Department.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "kind": row.get("kind", "ka"),
                "display_order": row.get("display_order", 0),
            },
        )
        out[row["code"]] = department
    for row in rows:
        parent = out.get(row.get("parent")) if row.get("parent") else None
        if parent and out[row["code"]].parent_id != parent.pk:
            out[row["code"]].parent = parent
            out[row["code"]].save(update_fields=["parent"])
    return out
