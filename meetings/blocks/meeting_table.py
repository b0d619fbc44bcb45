"""The table of a body's sessions in the fiscal year (会議の開催状況), by reference."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Prefetch

from akiruno import cleaning, numbers
from akiruno.wareki import format_fiscal_year
from meetings import formatting
from meetings.blocks import (
    TABLE_COLUMNS,
    MeetingBlock,
    body_key,
    choice,
)
from meetings.interchange import session_json, session_order_key
from meetings.models import AgendaItem, MeetingBody, MeetingSession
from reports import tables
from reports.blocks import Problem, register


@register
class MeetingTableBlock(MeetingBlock):
    """The 開催日 | 内容 table of a body's sessions in the fiscal year (or 開催日 | 開催会場 | 出席者数)."""

    kind = "meeting_table"
    label = "会議の開催状況（表）"
    template_name = "blocks/meeting_table.html"
    schema = {
        "type": "object",
        "properties": {
            "body": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]*$", "maxLength": 100},
            "categories": {
                "anyOf": [
                    {"type": "null"},
                    {"type": "array", "items": {"type": "string", "minLength": 1}},
                ]
            },
            "content_label": {"type": "string", "minLength": 1},
            "columns": {
                "anyOf": [
                    {"type": "null"},
                    {
                        "type": "array",
                        "items": {
                            "enum": ["date", "content", "venue", "attendance", "format", "category"]
                        },
                        "minItems": 1,
                        "uniqueItems": True,
                    },
                ]
            },
            "caption": {"type": "string"},
            "date_label": {"type": "string"},
            "digits": {"enum": ["full", "half"]},
        },
        "additionalProperties": False,
        "required": ["body"],
    }

    def body_keys(self, data: dict) -> set[str]:
        return {data.get("body")}

    def clean(self, data: Any) -> dict:
        errors = cleaning.Errors()
        data = cleaning.block_data(data, errors)
        body = body_key(data.get("body"), "/body", errors, required=False)
        categories = data.get("categories")
        if categories is not None:
            if not isinstance(categories, list):
                errors.add(
                    "/categories", "区分の一覧（または null: すべての区分）で指定してください。"
                )
                categories = None
            else:
                categories = [
                    cleaning.text(c, f"/categories/{i}", errors, limit=100)
                    for i, c in enumerate(categories)
                ]
                categories = [c for c in dict.fromkeys(categories) if c] or None
        content_label = cleaning.text(data.get("content_label"), "/content_label", errors, limit=30)
        date_label = cleaning.text(data.get("date_label"), "/date_label", errors, limit=30)
        columns = data.get("columns")
        if columns is None:
            columns = ["date", "content"]
        if not isinstance(columns, list) or not columns:
            errors.add("/columns", f"列を1つ以上、{'・'.join(TABLE_COLUMNS)}から選んでください。")
            columns = ["date", "content"]
        for i, column in enumerate(columns):
            if column not in TABLE_COLUMNS:
                errors.add(
                    f"/columns/{i}",
                    f"列「{column}」は使えません。使える列: "
                    + "、".join(f"{k}（{v}）" for k, v in TABLE_COLUMNS.items()),
                )
        if len(set(map(str, columns))) != len(columns):
            errors.add("/columns", "同じ列が2回指定されています。")
        digits = choice(
            data.get("digits"),
            ("full", "half"),
            "full",
            "/digits",
            errors,
            "数字の表記は full（全角）か half（半角）です。",
        )
        caption = cleaning.text(data.get("caption"), "/caption", errors, limit=200)
        errors.raise_if_any("会議の開催状況（表）")
        return {
            "body": body,
            "categories": categories,
            "content_label": content_label or "内容",
            "columns": list(columns),
            "date_label": date_label or "開催日",
            "caption": caption,
            "digits": digits,
        }

    def resolve_many(self, datas: list[dict], *, fiscal_year: int) -> list[Any]:
        keys = {d["body"] for d in datas if d.get("body")}
        bodies = (
            {b.key: b for b in MeetingBody.objects.filter(key__in=keys).only("id", "key", "name")}
            if keys
            else {}
        )
        by_body: dict[int, list[MeetingSession]] = defaultdict(list)
        if bodies:
            sessions = MeetingSession.objects.filter(
                body_id__in=[b.pk for b in bodies.values()], fiscal_year=fiscal_year
            ).prefetch_related(
                Prefetch("agenda_items", queryset=AgendaItem.objects.order_by("position", "id"))
            )
            for session in sorted(sessions, key=session_order_key):
                by_body[session.body_id].append(session)
        out = []
        for data in datas:
            body = bodies.get(data.get("body"))
            if body is None:
                out.append(
                    {
                        "fiscal_year": fiscal_year,
                        "body": {"key": data.get("body"), "found": False},
                        "sessions": [],
                    }
                )
                continue
            wanted = data.get("categories")
            out.append(
                {
                    "fiscal_year": fiscal_year,
                    "body": {"key": body.key, "name": body.name, "found": True},
                    "sessions": [
                        session_json(s)
                        for s in by_body[body.pk]
                        if not wanted or s.category in wanted
                    ],
                }
            )
        return out

    @staticmethod
    def _sessions(data: dict, resolved: Any) -> list[dict]:
        if not resolved or resolved.get("body", {}).get("key") != data["body"]:
            return []
        wanted = data.get("categories")
        return [s for s in resolved.get("sessions", []) if not wanted or s["category"] in wanted]

    @staticmethod
    def _found(data: dict, resolved: Any) -> bool:
        body = (resolved or {}).get("body") or {}
        return bool(body.get("found")) and body.get("key") == data["body"]

    def compute(self, data: dict, resolved: Any) -> tables.TableView:
        """The table as printed: 開催日 (第n回, era-year on the first row of each year, month
        only when it changes, the format note) and the agenda as ・ lines."""
        sessions = self._sessions(data, resolved)
        digits = data.get("digits", "full")
        labels = {**TABLE_COLUMNS, "date": data["date_label"], "content": data["content_label"]}
        types = {"attendance": "integer", "content": "lines"}
        columns = [
            {"key": key, "label": labels[key], "type": types.get(key, "text")}
            for key in data["columns"]
        ]
        with_sequence = any(s.get("sequence") for s in sessions)
        separate_format = "format" in data["columns"]
        dates = formatting.date_column(sessions, digits=digits, pad=True)
        rows = []
        for session, (year_text, day_text) in zip(sessions, dates, strict=True):
            if with_sequence:
                date_lines = [
                    formatting.sequence_label(session.get("sequence"), digits=digits),
                    year_text,
                    day_text,
                ]
            else:
                date_lines = [f"{year_text}{day_text}"]
            if not separate_format:
                date_lines.append(formatting.format_note(session["format"]))
            content = formatting.agenda_lines(session.get("agenda", []))
            if session.get("note"):
                content.append(session["note"])
            attendance = session.get("attendance")
            cells = {
                "date": (session["start"], "\n".join(line for line in date_lines if line)),
                "content": ([a["text"] for a in session.get("agenda", [])], "\n".join(content)),
                "venue": (session.get("venue") or None, session.get("venue") or ""),
                "attendance": (
                    attendance,
                    numbers.format_integer(attendance, digits=digits),
                ),
                "format": (session["format"], formatting.FORMAT_LABELS[session["format"]]),
                "category": (session["category"], session["category"]),
            }
            rows.append(
                tables.Row(
                    [
                        tables.Cell(*cells[c["key"]], c["type"], is_header=i == 0)
                        for i, c in enumerate(columns)
                    ]
                )
            )
        body = (resolved or {}).get("body") or {}
        caption = data.get("caption") or f"{body.get('name') or data['body']}の開催状況"
        return tables.TableView(caption=caption, columns=columns, rows=rows, row_header=0)

    def view(self, data: dict, resolved: Any, *, depth: int) -> dict:
        if not data["body"]:
            return {"data": data, "table": None, "missing": True, "unchosen": True}
        found = self._found(data, resolved)
        sessions = self._sessions(data, resolved)
        fiscal_year = (resolved or {}).get("fiscal_year")
        empty_message = ""
        if found and not sessions:
            year = format_fiscal_year(fiscal_year) if fiscal_year else "この年度"
            empty_message = f"{year}の「{resolved['body']['name']}」の会議は登録されていません。"
        return {
            "data": data,
            "table": self.compute(data, resolved),
            "caption_visible": bool(data.get("caption")),
            "missing": not found,
            "empty_message": empty_message,
        }

    def tables(self, data: dict, resolved: Any) -> list[tables.TableView]:
        """Open data: one row per session, one typed column per field, ISO dates."""
        columns = [
            {"key": "sequence", "label": "回", "type": "integer"},
            {"key": "category", "label": "区分", "type": "text"},
            {"key": "start", "label": "開催日", "type": "date"},
            {"key": "end", "label": "終了日", "type": "date"},
            {"key": "format", "label": "開催形式", "type": "text"},
            {"key": "venue", "label": "開催会場", "type": "text"},
            {"key": "attendance", "label": "出席者数", "type": "integer"},
            {"key": "agenda", "label": data["content_label"], "type": "lines"},
            {"key": "note", "label": "備考", "type": "text"},
        ]
        rows = []
        for session in self._sessions(data, resolved):
            values = {
                "sequence": session.get("sequence"),
                "category": session["category"],
                "start": session["start"],
                "end": session.get("end"),
                "format": formatting.FORMAT_LABELS[session["format"]],
                "venue": session.get("venue") or None,
                "attendance": session.get("attendance"),
                "agenda": [
                    a["text"] + (f"（{a['marker']}）" if a.get("marker") else "")
                    for a in session.get("agenda", [])
                ]
                or None,
                "note": session.get("note") or None,
            }
            rows.append(
                tables.Row(
                    [
                        tables.Cell(
                            values[c["key"]], tables.display_cell(c, values[c["key"]]), c["type"]
                        )
                        for c in columns
                    ]
                )
            )
        body = (resolved or {}).get("body") or {}
        fiscal_year = (resolved or {}).get("fiscal_year")
        caption = f"{body.get('name') or data['body']} 開催状況"
        if fiscal_year:
            caption += f"（{format_fiscal_year(fiscal_year)}）"
        return [tables.TableView(caption=caption, columns=columns, rows=rows, row_header=None)]

    def strict_problems(self, data: dict, resolved: Any) -> list[Problem]:
        if not data.get("body"):
            return [Problem("/body", "会議体が選ばれていません。")]
        if resolved is None:
            return []
        if not self._found(data, resolved):
            return [Problem("/body", f"会議体「{data['body']}」が登録されていません。")]
        sessions = self._sessions(data, resolved)
        if not sessions:
            return [Problem("/body", self.view(data, resolved, depth=1)["empty_message"])]
        problems = []
        if "content" in data["columns"]:
            for session in sessions:
                if not session.get("agenda") and not session.get("note"):
                    name = formatting.sequence_label(session.get("sequence")) or session["category"]
                    when = formatting.session_date_text(session, digits="half")
                    problems.append(
                        Problem(
                            "/body",
                            f"{name}（{when}）の{data['content_label']}が入力されていません。",
                        )
                    )
        return problems
