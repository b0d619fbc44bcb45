"""Importing sessions from spreadsheet rows: check every row first, then write all or nothing.

`check_session_rows` is the preview: it reads nothing but the database (a fixed number of
queries) and returns each row with its cleaned session or its problems. `import_session_rows`
runs the same check and, only when no row has a problem, writes every session in one
transaction; with `replace`, the fiscal year's sessions of the bodies in the file are
replaced (so a corrected file can be imported again).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q

from akiruno import wareki
from akiruno.exceptions import InvalidInput
from meetings import formatting, validation
from meetings.models import AgendaItem, MeetingBody, MeetingSession
from meetings.validation import SESSION_FIELDS, SessionData, nendo
from reports.models import User
from reports.permissions import policy

ROW_FIELDS = {"body": "会議体", **SESSION_FIELDS}


@dataclass
class RowResult:
    number: int  # the row's number in the file (the header is row 1)
    values: dict[str, str]
    body: MeetingBody | None = None
    session: SessionData | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_lines(self) -> list[str]:
        return [_with_label(name, message) for name, message in self.errors.items()]

    def date_text(self) -> str:
        if self.session is None or self.session.start is None:
            return self.values.get("start", "")
        end = (
            self.session.end
            if self.session.end and self.session.end >= self.session.start
            else None
        )
        return formatting.session_date_text(
            {"start": self.session.start, "end": end}, digits="half"
        )

    def format_label(self) -> str:
        return formatting.FORMAT_LABELS.get(self.session.format, "") if self.session else ""

    def agenda_lines(self) -> list[str]:
        return formatting.agenda_lines(self.session.agenda) if self.session else []


@dataclass
class ImportCheck:
    fiscal_year: int
    replace: bool
    rows: list[RowResult]
    replaced: int = 0  # sessions the import would delete (replace mode)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and all(row.ok for row in self.rows)

    @property
    def error_rows(self) -> list[RowResult]:
        return [row for row in self.rows if not row.ok]

    def details(self) -> dict[str, str]:
        out = {}
        for index, row in enumerate(self.rows):
            for name, message in row.errors.items():
                out[f"/rows/{index}/{name}"] = f"{row.number}行目: {_with_label(name, message)}"
        return out


def _with_label(name: str, message: str) -> str:
    """The message, led by its column's name unless it already starts with it."""
    label = ROW_FIELDS.get(name.split("/")[0], name)
    return message if message.startswith(label) else f"「{label}」{message}"


def _find_bodies(user: User, names: set[str]) -> tuple[dict, dict]:
    qs = MeetingBody.objects.select_related("department").filter(
        Q(key__in=names) | Q(name__in=names)
    )
    by_key, by_name = {}, {}
    for body in policy.visible(user, MeetingBody, qs):
        by_key[body.key] = body
        by_name.setdefault(body.name, []).append(body)
    return by_key, by_name


def _resolve_body(
    user: User, text: str, by_key: dict, by_name: dict
) -> tuple[MeetingBody | None, str]:
    if not text:
        return None, "会議体（キーまたは名称）を入力してください。"
    body = by_key.get(text) or by_key.get(text.lower())
    if body is None:
        found = by_name.get(text, [])
        if len(found) > 1:
            return None, (
                f"名称が「{text}」の会議体が複数あります（"
                + "、".join(f"{b.department.name}: {b.key}" for b in found)
                + "）。キーで指定してください。"
            )
        body = found[0] if found else None
    if body is None:
        return None, (
            f"会議体「{text}」は登録されていません。先に会議体を登録するか、キー・名称を確認してください。"
        )
    if not policy.can(user, "add_session", body):
        return (
            None,
            f"会議体「{body.name}」は{body.department.name}の会議体のため、取り込めません。",
        )
    return body, ""


def check_session_rows(
    *, user: User, fiscal_year: int, rows: list[tuple[int, Mapping]], replace: bool = False
) -> ImportCheck:
    """Every row cleaned and checked (bodies, dates in the year, duplicates, permissions)."""
    names = {str(values.get("body") or "").strip() for _, values in rows}
    names |= {n.lower() for n in names}
    by_key, by_name = _find_bodies(user, names - {""})
    results = []
    for number, values in rows:
        result = RowResult(number=number, values={k: str(v or "") for k, v in values.items()})
        body, problem = _resolve_body(user, str(values.get("body") or "").strip(), by_key, by_name)
        if problem:
            result.errors["body"] = problem
        session, errors = validation.clean_session(
            values,
            fiscal_year=fiscal_year,
            default_category=body.kind if body else "",
            active_from=body.active_from if body else None,
            active_to=body.active_to if body else None,
        )
        if body is None:
            errors.pop("category", None)  # follows from the body
        result.errors.update(errors)
        result.body, result.session = body, session
        results.append(result)
    check = ImportCheck(fiscal_year=fiscal_year, replace=replace, rows=results)
    _check_duplicates(check)
    if replace:
        bodies = {r.body.pk for r in results if r.body}
        check.replaced = MeetingSession.objects.filter(
            body_id__in=bodies, fiscal_year=fiscal_year
        ).count()
    return check


def _check_duplicates(check: ImportCheck) -> None:
    rows = [r for r in check.rows if r.body and r.session and r.session.sequence is not None]
    if not rows:
        return
    bodies = {r.body.pk: r.body for r in rows}
    stored = MeetingSession.objects.filter(body_id__in=bodies, sequence__isnull=False).filter(
        Q(fiscal_year=check.fiscal_year) | Q(body__numbering=MeetingBody.Numbering.CONTINUOUS)
    )
    if check.replace:
        stored = stored.exclude(fiscal_year=check.fiscal_year)
    existing = {
        (body_id, category, sequence): (year, start)
        for body_id, category, sequence, year, start in stored.values_list(
            "body_id", "category", "sequence", "fiscal_year", "start"
        )
    }
    seen: dict[tuple, int] = {}
    for row in rows:
        session = row.session
        ident = (row.body.pk, session.category, session.sequence)
        if ident in seen:
            row.errors.setdefault(
                "sequence",
                f"「{session.category}」の第{session.sequence}回が、{seen[ident]}行目と重複しています。",
            )
        seen.setdefault(ident, row.number)
        if ident in existing:
            year, start = existing[ident]
            hint = (
                ""
                if check.replace
                else "（置き換えて取り込む場合は「既存の会議を置き換える」を選んでください）"
            )
            row.errors.setdefault(
                "sequence",
                f"「{session.category}」の第{session.sequence}回は{nendo(year)}にすでに登録されています"
                f"（{wareki.format_date(start, digits='half')}）。{hint}",
            )


@transaction.atomic
def import_session_rows(
    *, user: User, fiscal_year: int, rows: list[tuple[int, Mapping]], replace: bool = False
) -> ImportCheck:
    """Write every row as a session, or nothing at all when any row has a problem."""
    check = check_session_rows(user=user, fiscal_year=fiscal_year, rows=rows, replace=replace)
    if not check.rows:
        raise InvalidInput("取り込む行がありません。", details={"rows": "行がありません。"})
    if not check.ok:
        raise InvalidInput(
            f"{len(check.error_rows)}行に誤りがあります。ファイルを直してから、もう一度取り込んでください"
            "（何も取り込んでいません）。",
            details=check.details(),
        )
    if replace:
        MeetingSession.objects.filter(
            body_id__in={r.body.pk for r in check.rows}, fiscal_year=fiscal_year
        ).delete()
    sessions = [
        MeetingSession(
            body=row.body, fiscal_year=fiscal_year, updated_by=user, **row.session.model_fields()
        )
        for row in check.rows
    ]
    try:
        created = MeetingSession.objects.bulk_create(sessions)
    except IntegrityError:  # someone saved the same 第n回 between the check and the write
        raise InvalidInput(
            "取込み中に他の人が同じ回の会議を登録したため、取り込めませんでした。もう一度プレビューしてください"
            "（何も取り込んでいません）。",
            details={"rows": "同じ回の番号の会議が、いま登録されました。"},
        ) from None
    AgendaItem.objects.bulk_create(
        [
            a
            for s, row in zip(created, check.rows, strict=True)
            for a in row.session.agenda_models(s)
        ]
    )
    return check
