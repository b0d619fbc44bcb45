"""Cleaning of what people type or import for bodies, sessions and manual counts.

Pure functions: no database. Each returns the cleaned values and a dict of problems keyed by
field name (the callers prefix it: a form field, "/meetings/bodies/3/sessions/2/start", or
"5行目「開催日」"). Checks that need the database (duplicate 第n回, parents, permissions)
are in meetings.services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from akiruno import cleaning, numbers, wareki
from akiruno.fiscal import fiscal_year_of, fiscal_year_range
from akiruno.wareki import to_halfwidth
from meetings import formatting
from meetings.models import AgendaItem, MeetingBody, MeetingSession

MAX_AGENDA_ITEMS = 100
MAX_AGENDA_TEXT = 2000
MAX_NUMBER = 1_000_000

SESSION_FIELDS = {
    "category": "区分",
    "sequence": "回",
    "start": "開催日",
    "end": "終了日",
    "format": "開催形式",
    "venue": "開催会場",
    "attendance": "出席者数",
    "agenda": "内容",
    "note": "備考",
}
BODY_FIELDS = {
    "key": "キー",
    "name": "名称",
    "kind": "種類",
    "department": "担当課",
    "role": "市の関わり",
    "purpose": "目的",
    "parent": "上位の会議体",
    "numbering": "回の番号",
    "active_from": "活動開始年度",
    "active_to": "活動終了年度",
}
COUNT_FIELDS = {
    "category": "区分",
    "count": "回数",
    "online": "うちオンライン開催",
    "written": "うち書面開催",
    "hybrid": "うちハイブリッド開催",
    "note": "手入力の理由",
}


def _message(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def nendo(fiscal_year: int) -> str:
    return wareki.format_fiscal_year(fiscal_year)


def fiscal_year_span_text(fiscal_year: int) -> str:
    first, last = fiscal_year_range(fiscal_year)
    return f"{wareki.format_date(first, digits='half')}～{wareki.format_date(last, digits='half')}"


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_date(value: Any, field_name: str, label: str, errors: dict) -> dt.date | None:
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        errors[field_name] = f"{label}は日付で入力してください（{wareki.ACCEPTED_DATE_FORMATS}）。"
        return None
    try:
        return wareki.parse_date(value)
    except ValidationError as exc:
        errors[field_name] = f"{label}: {_message(exc)}"
        return None


def clean_count(
    value: Any,
    field_name: str,
    label: str,
    errors: dict,
    *,
    required: bool = False,
    minimum: int = 0,
    prefixes: tuple[str, ...] = (),
    suffixes: tuple[str, ...] = (),
) -> int | None:
    """A non-negative integer as staff type it (３３, 33人, 第3回); a specific message otherwise."""
    if _blank(value):
        if required:
            errors[field_name] = f"{label}を入力してください。"
        return None
    if isinstance(value, bool):
        errors[field_name] = f"{label}は整数で入力してください。"
        return None
    if isinstance(value, float):
        if not value.is_integer():
            errors[field_name] = f"{label}は整数で入力してください（{value}）。"
            return None
        value = int(value)
    if isinstance(value, str):
        text = to_halfwidth(value).strip()
        for prefix in prefixes:
            text = text.removeprefix(prefix).strip()
        for suffix in suffixes:
            text = text.removesuffix(suffix).strip()
        value = text
    if not isinstance(value, str | int):
        errors[field_name] = f"{label}は整数で入力してください。"
        return None
    try:
        number = numbers.parse_integer(value)
    except ValidationError as exc:
        errors[field_name] = f"{label}: {_message(exc)}"
        return None
    if number < 0:
        shown = numbers.format_integer(number)
        errors[field_name] = (
            f"{label}に負の値（{shown}）は入力できません。{minimum}以上の整数を入力してください。"
        )
        return None
    if number < minimum:
        errors[field_name] = f"{label}は{minimum}以上の整数で入力してください（{number}）。"
        return None
    if number > MAX_NUMBER:
        errors[field_name] = f"{label}の値（{number:,}）が大きすぎます。"
        return None
    return number


def clean_fiscal_year(value: Any, field_name: str, label: str, errors: dict) -> int | None:
    if _blank(value):
        return None
    if isinstance(value, str):
        value = to_halfwidth(value).strip().removesuffix("年度")
    try:
        year = int(value)
    except (TypeError, ValueError):
        errors[field_name] = f"{label}は西暦の年度（2024 など）で入力してください。"
        return None
    if isinstance(value, bool) or not 1900 <= year <= 9998:
        errors[field_name] = f"{label}は西暦の年度（2024 など）で入力してください。"
        return None
    return year


def clean_agenda(value: Any, field_name: str, errors: dict) -> list[dict]:
    """An agenda as a list of {"text", "marker"}, a list of strings, or text (one item a line)."""
    if _blank(value):
        return []
    if isinstance(value, str):
        items = formatting.parse_agenda_text(value)
    elif isinstance(value, list):
        items = []
        for i, raw in enumerate(value):
            where = f"{field_name}/{i}"
            if isinstance(raw, str):
                raw = {"text": raw, "marker": None}
            if not isinstance(raw, Mapping):
                errors[where] = (
                    "議題は text（内容）と marker（諮問・報告・null）で指定してください。"
                )
                continue
            text = cleaning.text(
                raw.get("text"),
                f"{where}/text",
                cleaning.Errors(errors),
                what="議題",
                limit=10**6,
                numbers_as_text=True,
            )
            marker = raw.get("marker") or None
            if marker is not None and marker not in formatting.MARKERS:
                errors[f"{where}/marker"] = (
                    f"議題の区分「{marker}」は使えません。諮問・報告のどちらか、または空にしてください。"
                )
                marker = None
            if not text:
                errors.setdefault(f"{where}/text", "議題の内容が空です。")
                continue
            items.append({"text": text, "marker": marker})
    else:
        errors[field_name] = "内容（議題）は1行に1項目の文字、または一覧で入力してください。"
        return []
    if len(items) > MAX_AGENDA_ITEMS:
        errors[field_name] = f"議題は{MAX_AGENDA_ITEMS}項目までです（{len(items)}項目）。"
    for i, item in enumerate(items):
        if len(item["text"]) > MAX_AGENDA_TEXT:
            errors.setdefault(
                field_name,
                f"{i + 1}項目目の議題が長すぎます（{len(item['text']):,}文字、"
                f"{MAX_AGENDA_TEXT:,}文字まで）。",
            )
    return items


@dataclass
class SessionData:
    """A cleaned session, ready to be saved."""

    category: str
    sequence: int | None
    start: dt.date
    end: dt.date | None
    format: str
    venue: str = ""
    attendance: int | None = None
    agenda: list[dict] = field(default_factory=list)
    note: str = ""

    @property
    def fiscal_year(self) -> int:
        return fiscal_year_of(self.start)

    def model_fields(self) -> dict:
        return {
            "category": self.category,
            "sequence": self.sequence,
            "start": self.start,
            "end": self.end,
            "format": self.format,
            "venue": self.venue,
            "attendance": self.attendance,
            "note": self.note,
        }

    def agenda_models(self, session: MeetingSession) -> list[AgendaItem]:
        return [
            AgendaItem(session=session, position=i, text=a["text"], marker=a["marker"] or "")
            for i, a in enumerate(self.agenda)
        ]


def active_years_text(active_from: int | None, active_to: int | None) -> str:
    if active_from and active_to:
        return f"{nendo(active_from)}から{nendo(active_to)}まで"
    if active_from:
        return f"{nendo(active_from)}から"
    if active_to:
        return f"{nendo(active_to)}まで"
    return "期限なし"


def clean_session(
    raw: Mapping,
    *,
    fiscal_year: int,
    default_category: str = "",
    active_from: int | None = None,
    active_to: int | None = None,
) -> tuple[SessionData, dict[str, str]]:
    """Clean one session recorded under `fiscal_year`; every problem, keyed by field name.

    The session is returned even when there are problems (its fields that failed are None or
    defaults), so that callers can still check its 第n回 against others; save it only when
    the problems are empty.
    """
    errors: dict[str, str] = {}
    category = cleaning.text(
        raw.get("category"),
        "category",
        cleaning.Errors(errors),
        what="区分",
        limit=100,
        numbers_as_text=True,
    )
    if not category and "category" not in errors:
        category = default_category
        if not category:
            errors["category"] = "区分（協議会、総会など）を入力してください。"
    sequence = clean_count(
        raw.get("sequence"), "sequence", "回", errors, minimum=1, prefixes=("第",), suffixes=("回",)
    )
    start = clean_date(raw.get("start"), "start", "開催日", errors)
    if start is None and "start" not in errors:
        errors["start"] = "開催日を入力してください。"
    end = clean_date(raw.get("end"), "end", "終了日", errors)
    if start is not None:
        if fiscal_year_of(start) != fiscal_year:
            errors["start"] = (
                f"開催日（{wareki.format_date(start, digits='half')}）が{nendo(fiscal_year)}"
                f"（{fiscal_year_span_text(fiscal_year)}）の範囲外です。{nendo(fiscal_year)}の"
                f"会議として記録するには、この年度内の日付を入力してください"
                f"（{nendo(fiscal_year_of(start))}の会議なら年度を切り替えてください）。"
            )
        elif (active_from and fiscal_year < active_from) or (active_to and fiscal_year > active_to):
            errors["start"] = (
                f"この会議体の活動年度は{active_years_text(active_from, active_to)}です。"
                f"{nendo(fiscal_year)}の会議は登録できません（会議体の活動年度を見直してください）。"
            )
    if start is not None and end is not None:
        if end < start:
            errors["end"] = (
                f"終了日（{wareki.format_date(end, digits='half')}）が開催日"
                f"（{wareki.format_date(start, digits='half')}）より前です。"
            )
        elif (end - start).days > 366:
            errors["end"] = "終了日が開催日から1年以上後になっています。日付を確認してください。"
        elif end == start:
            end = None
    fmt_raw = raw.get("format")
    fmt = formatting.parse_format(fmt_raw if isinstance(fmt_raw, str) or fmt_raw is None else "?")
    if fmt is None:
        errors["format"] = (
            f"開催形式「{fmt_raw}」は使えません。"
            "対面・書面開催・オンライン開催・ハイブリッド開催のいずれかを入力してください。"
        )
    venue = cleaning.text(
        raw.get("venue"),
        "venue",
        cleaning.Errors(errors),
        what="開催会場",
        limit=200,
        numbers_as_text=True,
    )
    attendance = clean_count(
        raw.get("attendance"), "attendance", "出席者数", errors, suffixes=("人", "名")
    )
    agenda = clean_agenda(raw.get("agenda"), "agenda", errors)
    note = cleaning.text(
        raw.get("note"),
        "note",
        cleaning.Errors(errors),
        what="備考",
        limit=500,
        numbers_as_text=True,
    )
    session = SessionData(
        category=category,
        sequence=sequence,
        start=start,  # type: ignore[arg-type]  (None only when errors say so)
        end=end,
        format=fmt or formatting.FORMAT_ALIASES[""],
        venue=venue,
        attendance=attendance,
        agenda=agenda,
        note=note,
    )
    return session, errors


def clean_body_fields(raw: Mapping, *, creating: bool) -> tuple[dict, dict[str, str]]:
    """Clean a body's own fields (not department or parent, which refer to other records)."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    if creating:
        key = raw.get("key")
        key = "" if key is None else to_halfwidth(str(key)).strip().lower()
        if key and not cleaning.is_key(key, limit=80):
            errors["key"] = (
                f"キー「{key}」は使えません。半角の英小文字・数字・ハイフン・下線（80文字まで、先頭は英数字）で"
                "入力してください（例: nishitama-kouiki）。"
            )
        out["key"] = key
    out["name"] = cleaning.text(
        raw.get("name"),
        "name",
        cleaning.Errors(errors),
        what="名称",
        limit=200,
        required=True,
        numbers_as_text=True,
    )
    kind = raw.get("kind") or MeetingBody.Kind.KYOGIKAI
    if kind not in MeetingBody.Kind.values:
        errors["kind"] = (
            f"種類「{kind}」は使えません。{'・'.join(MeetingBody.Kind.values)}から選んでください。"
        )
    out["kind"] = kind
    role = raw.get("role") or MeetingBody.Role.MEMBER
    if role not in MeetingBody.Role.values:
        labels = "、".join(f"{v}（{lbl}）" for v, lbl in MeetingBody.Role.choices)
        errors["role"] = f"市の関わり「{role}」は使えません。{labels}から選んでください。"
    out["role"] = role
    out["purpose"] = cleaning.text(
        raw.get("purpose"),
        "purpose",
        cleaning.Errors(errors),
        what="目的",
        limit=2000,
        numbers_as_text=True,
    )
    numbering = raw.get("numbering") or MeetingBody.Numbering.YEARLY
    if numbering not in MeetingBody.Numbering.values:
        errors["numbering"] = "回の番号は yearly（年度ごと）か continuous（通し番号）です。"
    out["numbering"] = numbering
    active_from = clean_fiscal_year(raw.get("active_from"), "active_from", "活動開始年度", errors)
    active_to = clean_fiscal_year(raw.get("active_to"), "active_to", "活動終了年度", errors)
    if active_from and active_to and active_to < active_from:
        errors["active_to"] = (
            f"活動終了年度（{nendo(active_to)}）が活動開始年度（{nendo(active_from)}）より前です。"
        )
    out["active_from"], out["active_to"] = active_from, active_to
    return out, errors


def clean_manual_count(raw: Mapping) -> tuple[dict, dict[str, str]]:
    errors: dict[str, str] = {}
    out: dict[str, Any] = {
        "category": cleaning.text(
            raw.get("category"),
            "category",
            cleaning.Errors(errors),
            what="区分",
            limit=100,
            required=True,
            numbers_as_text=True,
        )
    }
    out["count"] = clean_count(raw.get("count"), "count", "回数", errors, required=True)
    by_format = raw.get("by_format") if isinstance(raw.get("by_format"), Mapping) else raw
    for code in formatting.NON_IN_PERSON:
        out[code] = clean_count(by_format.get(code), code, COUNT_FIELDS[code], errors) or 0
    if out["count"] is not None and not errors:
        parts = out["online"] + out["written"] + out["hybrid"]
        if parts > out["count"]:
            errors["count"] = (
                f"開催形式ごとの回数の合計（{parts}回）が回数（{out['count']}回）を超えています。"
            )
    out["note"] = cleaning.text(
        raw.get("note"),
        "note",
        cleaning.Errors(errors),
        what="手入力の理由",
        limit=500,
        required=True,
        numbers_as_text=True,
    )
    return out, errors
