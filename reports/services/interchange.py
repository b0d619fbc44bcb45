"""Export and import a fiscal year's report in the interchange format (docs/report-format.md).

Export is a pure read. Import validates everything before it keeps anything: the JSON Schema
first, then every domain rule (block data, nesting, meetings, finance identities), collecting
every problem with its JSON pointer; then it writes in one transaction, or not at all.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from django.conf import settings
from django.db import transaction

from akiruno.exceptions import ApplicationError, Conflict, InvalidInput
from akiruno.inputs import describe, forbidden_char, forbidden_message
from reports.models import AnnualReport, Department, ImportRecord, Section, User
from reports.permissions import policy
from reports.services.import_changes import (
    CREATE,
    DELETE,
    KEEP,
    UNCHANGED,
    Change,
    plan,
    scope_document,
)
from reports.services.import_changes import counts as change_counts
from reports.services.import_messages import locate, schema_message
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
    changes: list[Change] = field(default_factory=list)
    record_id: int | None = None

    @property
    def deleted(self) -> list[Change]:
        return [c for c in self.changes if c.action == DELETE]

    def counts(self) -> dict[str, int]:
        return change_counts(self.changes)

    def summary(self) -> str:
        verb = "検証しました（書き込みなし）" if self.dry_run else "取り込みました"
        parts = []
        if self.created_sections:
            parts.append(f"新規 {len(self.created_sections)} 課")
        if self.replaced_sections:
            parts.append(f"置換 {len(self.replaced_sections)} 課")
        tally = self.counts()
        records = (
            f"記録: 新規 {tally['created']}・置換 {tally['replaced']}・削除 {tally['deleted']}"
        )
        kept = sum(1 for c in self.changes if c.action == KEEP)
        if kept:
            records += f"・ファイルにないため残したもの {kept}"
        audit = f" 取込みの記録 {self.record_id}。" if self.record_id else ""
        return (
            f"{self.fiscal_year}年度の事務報告書を{verb}"
            f"（{'、'.join(parts) or '課別報告の変更なし'}。{records}）。{audit}"
        )


class _DryRunRollback(Exception):
    pass


def schema_errors(document: Any) -> dict[str, str]:
    """Every JSON Schema violation, keyed by JSON pointer, the rule in Japanese (the human
    path of the place is put in front by `import_messages.locate`)."""
    validator = jsonschema.Draft202012Validator(_schema())
    errors: dict[str, str] = {}
    for error in sorted(
        validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path))
    ):
        pointer, message = schema_message(error)
        errors[pointer] = (
            f"{errors[pointer]} {message}"
            if pointer in errors and message not in errors[pointer]
            else message
        )
    return errors


def import_report(document: Any, *, user: User, **options: Any) -> ImportResult:
    """Validate the whole document, then write it in one transaction (or nothing).

    Every refusal names its places: each message of `details` starts with the human path of
    its JSON pointer (課, item number, block, row, column)."""
    try:
        return _import_report(document, user=user, **options)
    except ApplicationError as exc:
        if isinstance(exc.details, dict) and exc.details:
            exc.details = locate(document, exc.details)
        raise


def _import_report(
    document: Any,
    *,
    user: User,
    department: str | None = None,
    dry_run: bool = False,
    replace: bool = False,
    keep_states: bool = False,
    delete_missing: bool = False,
    confirm_delete: bool = False,
    source: str = "",
    filename: str = "",
    checksum: str = "",
    restoring: ImportRecord | None = None,
) -> ImportResult:
    """Validate the whole document, then write it in one transaction (or nothing).

    Nothing the file does not carry is deleted unless `delete_missing` says so, and then only
    with `confirm_delete` as well (a dry run lists the deletions without it). Every import that
    writes leaves an ImportRecord holding the year's export from just before it."""
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
            f"取込みファイルの形式に誤りがあります（{len(errors)}件）。何も取り込んでいません。",
            details=errors,
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
    if department and not sections and restoring is None:
        raise InvalidInput(f"ファイルに課コード「{department}」の課別報告がありません。")

    scoped = scope_document(document, department)
    before = export_report(fiscal_year=fiscal_year) if report is not None else None
    result.changes = plan(
        scoped,
        before,
        department=department,
        delete_missing=delete_missing,
        keep_states=keep_states,
        stored_body_keys=_stored_body_keys(scoped),
        department_names=_department_names(document),
    )
    deletions = result.deleted
    if deletions and not dry_run and not confirm_delete:
        raise Conflict(
            f"ファイルにない {len(deletions)} 件の記録を削除することになります"
            f"（{'、'.join(c.label for c in deletions[:5])}{' ほか' if len(deletions) > 5 else ''}）。"
            "削除してよいか確認のうえ、もう一度確認の指定（--confirm-delete、取込み画面では"
            "「削除を確認しました」）を付けて取り込んでください。何も取り込んでいません。",
            details={
                (
                    c.pointer or f"{c.kind}:{c.key}"
                ): f"{c.label}を削除します（ファイルにありません）。"
                for c in deletions
            },
        )
    actions = {(c.kind, c.key): c.action for c in result.changes}

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
            departments = _upsert_departments(
                _departments_in_scope(document.get("departments") or [], department)
            )
            if report is None or department is None:
                report = report or AnnualReport.objects.create(
                    fiscal_year=fiscal_year, title=document["report"]["title"]
                )
                report.title = document["report"]["title"]
                report.deadline = document["report"].get("deadline") or None
                report.save(update_fields=["title", "deadline"])
            if isinstance(scoped.get("meetings"), dict):
                collect(
                    lambda: import_meetings(
                        scoped["meetings"],
                        fiscal_year=fiscal_year,
                        departments=departments,
                        delete_missing=delete_missing,
                        remove_bodies=tuple(c.key for c in deletions if c.kind == "body"),
                    )
                )
            elif scoped.get("meetings") is not None:
                problems["/meetings"] = "会議データ（meetings）はオブジェクトで指定してください。"
            if _finance_has_work(scoped.get("finance"), result.changes):
                collect(
                    lambda: import_finance(
                        scoped["finance"],
                        fiscal_year=fiscal_year,
                        delete_missing=delete_missing,
                        department=department,
                        only_given=True,
                    )
                )
            for change in deletions:
                if change.kind == "section":
                    collect(lambda change=change: _delete_section(report, change))
            for index, data in sections:
                if actions.get(("section", data["department"])) == UNCHANGED:
                    continue
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
            record = ImportRecord.objects.create(
                kind=ImportRecord.Kind.RESTORE if restoring else ImportRecord.Kind.IMPORT,
                fiscal_year=fiscal_year,
                department=department or "",
                actor=user,
                source=source,
                filename=filename[:255],
                checksum=checksum or document_checksum(document),
                options={
                    "department": department,
                    "replace": replace,
                    "keep_states": keep_states,
                    "delete_missing": delete_missing,
                    "confirm_delete": confirm_delete,
                },
                summary=result.counts(),
                changes=[c.as_dict() for c in result.changes if c.action in (CREATE, DELETE)]
                + [c.as_dict() for c in result.changes if c.action not in (CREATE, DELETE)],
                before=before,
                restored_from=restoring,
            )
            result.record_id = record.pk
    except _DryRunRollback:
        pass
    return result


def document_checksum(document: Any) -> str:
    """SHA-256 of the document's canonical JSON (the file's bytes when the caller has them)."""
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def restore_import(record_id: int | str, *, user: User) -> ImportResult:
    """Put back the state before an import, through the same import (itself recorded)."""
    try:
        record = ImportRecord.objects.get(pk=int(record_id))
    except (ValueError, ImportRecord.DoesNotExist):
        raise InvalidInput(
            f"取込みの記録 {record_id} はありません。",
            details={
                "restore": "取込みの記録の番号（import_report の結果に出る番号）を指定してください。"
            },
        ) from None
    document = record.before or _empty_year(record.fiscal_year)
    return import_report(
        document,
        user=user,
        department=record.department or None,
        replace=True,
        keep_states=True,
        delete_missing=True,
        confirm_delete=True,
        source="restore",
        restoring=record,
    )


def _empty_year(fiscal_year: int) -> dict:
    """What a year held before an import that created it: nothing."""
    report = AnnualReport.objects.filter(fiscal_year=fiscal_year).first()
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "fiscal_year": fiscal_year,
        "report": {"title": report.title if report else f"{fiscal_year}年度事務報告書"},
        "departments": [],
        "meetings": {"bodies": []},
        "finance": {"accounts": [], "comparisons": [], "bonds": None, "funds": [], "grants": []},
        "sections": [],
    }


def _stored_body_keys(scoped: dict) -> set[str]:
    from meetings.models import MeetingBody

    meetings = scoped.get("meetings")
    bodies = meetings.get("bodies") if isinstance(meetings, dict) else None
    if not isinstance(bodies, list):
        return set()
    keys = [b.get("key") for b in bodies if isinstance(b, dict) and isinstance(b.get("key"), str)]
    return set(MeetingBody.objects.filter(key__in=keys).values_list("key", flat=True))


def _department_names(document: dict) -> dict[str, str]:
    names = dict(Department.objects.values_list("code", "name"))
    for row in document.get("departments") or []:
        if isinstance(row, dict) and isinstance(row.get("code"), str):
            names[row["code"]] = row.get("name") or row["code"]
    return names


def _departments_in_scope(rows: list[dict], department: str | None) -> list[dict]:
    """A department-filtered import writes that department and its parents, no other."""
    if department is None:
        return rows
    by_code = {r["code"]: r for r in rows}
    wanted: list[dict] = []
    code: str | None = department
    while code in by_code and by_code[code] not in wanted:
        wanted.append(by_code[code])
        code = by_code[code].get("parent")
    return [r for r in rows if r in wanted]


def _finance_has_work(finance: Any, changes: list[Change]) -> bool:
    if finance is None:
        return False
    if not isinstance(finance, dict):
        return True  # validation names the problem
    finance_kinds = {"account", "comparison", "fund", "grant", "bonds"}
    if any(c.kind in finance_kinds and c.action not in (KEEP,) for c in changes):
        return True
    return any(k not in {"accounts", "comparisons", "funds", "grants", "bonds"} for k in finance)


def _delete_section(report: AnnualReport, change: Change) -> None:
    from django.db.models import ProtectedError

    section = Section.objects.filter(report=report, department__code=change.key).first()
    if section is None:
        return
    if not section.is_editable:
        raise InvalidInput(
            "削除できません。",
            details={
                f"/sections/{change.key}": f"{change.label}は「{section.get_state_display()}」"
                "のため削除できません（作成中・差戻しのみ）。"
            },
        )
    try:
        section.delete()
    except ProtectedError:
        raise InvalidInput(
            "削除できません。",
            details={
                f"/sections/{change.key}": f"{change.label}には提出・審査の記録があるため"
                "削除できません。内容を空にする場合は、項目のない課別報告を取り込んでください。"
            },
        ) from None


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
