"""Report blocks that embed meetings by reference: `meeting_counts` and `meeting_table`.

The block data names bodies by key; `resolve_many` loads the fiscal year's sessions and counts
in a fixed number of queries (three, whatever the number of blocks) into `resolved`, which
the workflow freezes in its snapshots; `view` renders from `resolved` only, never from the
database, so an approved section prints what was approved.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Prefetch

from akiruno import numbers
from akiruno.numbering import MAX_DEPTH, label
from akiruno.wareki import format_fiscal_year
from meetings import formatting
from meetings.interchange import session_json, session_order_key
from meetings.models import AgendaItem, MeetingBody, MeetingSession
from meetings.selectors import combined_count, counts_for
from meetings.validation import KEY_PATTERN
from reports import tables
from reports.blocks import BlockKind, Problem, register
from reports.blocks.core import Errors, data_object

TABLE_COLUMNS = {
    "date": "開催日",
    "content": "内容",
    "venue": "開催会場",
    "attendance": "出席者数",
    "format": "開催形式",
    "category": "区分",
}
CONTENT_LABELS = ("内容", "議題", "内容（議事等）")
SOURCE_LABELS = {"sessions": "会議の記録", "manual": "手入力", "mixed": "会議の記録と手入力"}


def _text(value: Any, where: str, errors: Errors, *, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.add(where, "文字で入力してください。")
        return ""
    value = value.strip()
    if len(value) > limit:
        errors.add(where, f"{limit:,}文字以内で入力してください（{len(value):,}文字）。")
    return value


def _body_key(value: Any, where: str, errors: Errors, *, required: bool = True) -> str:
    if value in (None, "") and not required:
        return ""  # a new block whose body is not chosen yet: strict_problems reports it
    if not isinstance(value, str) or not value.strip():
        errors.add(where, "会議体（キー）を選んでください。")
        return ""
    value = value.strip()
    if not KEY_PATTERN.fullmatch(value):
        errors.add(
            where, f"会議体のキー「{value}」は正しくありません（半角英小文字・数字・ハイフン）。"
        )
    return value


def _choice(value: Any, allowed: tuple, default: Any, where: str, errors: Errors, message: str):
    if value is None:
        return default
    if value not in allowed:
        errors.add(where, message)
        return default
    return value


def _columns(value: Any, errors: Errors, default: int = 1) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4:
        errors.add("/columns", "段組みは1～4で指定してください。")
        return default
    return value


@register
class MeetingCountsBlock(BlockKind):
    """Counts of sessions by body and category: （ア）協議会 ２回 （イ）担当課長会 ４回（うちオンライン１回）."""

    kind = "meeting_counts"
    label = "会議の開催回数"
    template_name = "blocks/meeting_counts.html"

    def clean(self, data: Any) -> dict:
        errors = Errors()
        data = data_object(data, errors)
        raw_entries = data.get("entries", [])
        if not isinstance(raw_entries, list):
            errors.add("/entries", "会議体と区分の一覧で指定してください。")
            raw_entries = []
        entries = []
        for i, entry in enumerate(raw_entries):
            where = f"/entries/{i}"
            if isinstance(entry, str):
                entry = {"body": entry}
            if not isinstance(entry, dict):
                errors.add(where, "会議体（body）と区分（category）で指定してください。")
                continue
            category = _text(entry.get("category"), f"{where}/category", errors, limit=100)
            entry_label = _text(entry.get("label"), f"{where}/label", errors, limit=200)
            entries.append(
                {
                    "body": _body_key(entry.get("body"), f"{where}/body", errors),
                    "category": category or None,
                    "label": entry_label or None,
                    "note": _text(entry.get("note"), f"{where}/note", errors, limit=500),
                }
            )
        style = _choice(
            data.get("style"),
            ("numbered", "plain"),
            "numbered",
            "/style",
            errors,
            "番号付き（numbered）か番号なし（plain）を選んでください。",
        )
        columns = _columns(data.get("columns"), errors)
        errors.raise_if_any("会議の開催回数")
        return {"entries": entries, "style": style, "columns": columns}

    def resolve_many(self, datas: list[dict], *, fiscal_year: int) -> list[Any]:
        keys = {e["body"] for d in datas for e in d.get("entries", [])}
        bodies = (
            {
                b["key"]: b
                for b in MeetingBody.objects.filter(key__in=keys).values("id", "key", "name")
            }
            if keys
            else {}
        )
        counts = counts_for(body_ids=[b["id"] for b in bodies.values()], fiscal_year=fiscal_year)
        out = []
        for data in datas:
            entries = []
            for entry in data.get("entries", []):
                body = bodies.get(entry["body"])
                if body is None:
                    entries.append({"body": entry["body"], "found": False})
                    continue
                result = combined_count(counts.get(body["id"], {}), entry.get("category"))
                entries.append(
                    {
                        "body": entry["body"],
                        "found": True,
                        "body_name": body["name"],
                        "category": entry.get("category"),
                        **result.as_json(),
                    }
                )
            out.append({"fiscal_year": fiscal_year, "entries": entries})
        return out

    @staticmethod
    def _resolved_entries(data: dict, resolved: Any) -> list[dict | None]:
        """The resolved entry of each data entry (None where it is missing or stale)."""
        given = (resolved or {}).get("entries", [])
        out: list[dict | None] = []
        for i, entry in enumerate(data["entries"]):
            r = given[i] if i < len(given) else None
            ok = r is not None and r.get("body") == entry["body"] and r.get("found")
            out.append(r if ok else None)
        return out

    def view(self, data: dict, resolved: Any, *, depth: int) -> dict:
        entries = []
        for index, (entry, r) in enumerate(
            zip(data["entries"], self._resolved_entries(data, resolved), strict=True), start=1
        ):
            mark = label(min(depth + 1, MAX_DEPTH), index) if data["style"] == "numbered" else ""
            text = entry["label"] or entry["category"] or (r or {}).get("body_name") or ""
            entries.append(
                {
                    "mark": mark,
                    "label": text,
                    "count": formatting.count_line(r["count"], r["by_format"]) if r else "",
                    "note": entry["note"],
                    "missing": r is None,
                    "body": entry["body"],
                    "source": r["source"] if r else "",
                }
            )
        size = data["columns"]
        rows = [entries[i : i + size] for i in range(0, len(entries), size)]
        return {"data": data, "entries": entries, "rows": rows}

    def tables(self, data: dict, resolved: Any) -> list[tables.TableView]:
        columns = [
            {"key": "label", "label": "項目", "type": "text"},
            {"key": "body", "label": "会議体", "type": "text"},
            {"key": "category", "label": "区分", "type": "text"},
            {"key": "count", "label": "回数", "type": "integer"},
            {"key": "online", "label": "うちオンライン開催", "type": "integer"},
            {"key": "written", "label": "うち書面開催", "type": "integer"},
            {"key": "hybrid", "label": "うちハイブリッド開催", "type": "integer"},
            {"key": "source", "label": "回数の根拠", "type": "text"},
        ]
        rows = []
        for entry, r in zip(data["entries"], self._resolved_entries(data, resolved), strict=True):
            if r is None:
                continue
            values = {
                "label": entry["label"] or entry["category"] or r["body_name"],
                "body": r["body_name"],
                "category": entry["category"] or "（すべて）",
                "count": r["count"],
                **{code: r["by_format"].get(code, 0) for code in formatting.NON_IN_PERSON},
                "source": SOURCE_LABELS.get(r["source"], r["source"]),
            }
            rows.append(
                tables.Row(
                    [
                        tables.Cell(
                            values[c["key"]],
                            tables.display_cell(c, values[c["key"]]),
                            c["type"],
                            is_header=i == 0,
                        )
                        for i, c in enumerate(columns)
                    ]
                )
            )
        return [tables.TableView(caption="会議の開催回数", columns=columns, rows=rows)]

    def strict_problems(self, data: dict, resolved: Any) -> list[Problem]:
        if not data["entries"]:
            return [Problem("/entries", "会議体が選ばれていません。")]
        if resolved is None:
            return []
        return [
            Problem(f"/entries/{i}/body", f"会議体「{entry['body']}」が登録されていません。")
            for i, (entry, r) in enumerate(
                zip(data["entries"], self._resolved_entries(data, resolved), strict=True)
            )
            if r is None
        ]


@register
class MeetingTableBlock(BlockKind):
    """The 開催日 | 内容 table of a body's sessions in the fiscal year (or 開催日 | 開催会場 | 出席者数)."""

    kind = "meeting_table"
    label = "会議の開催状況（表）"
    template_name = "blocks/meeting_table.html"

    def clean(self, data: Any) -> dict:
        errors = Errors()
        data = data_object(data, errors)
        body = _body_key(data.get("body"), "/body", errors, required=False)
        categories = data.get("categories")
        if categories is not None:
            if not isinstance(categories, list):
                errors.add(
                    "/categories", "区分の一覧（または null: すべての区分）で指定してください。"
                )
                categories = None
            else:
                categories = [
                    _text(c, f"/categories/{i}", errors, limit=100)
                    for i, c in enumerate(categories)
                ]
                categories = [c for c in dict.fromkeys(categories) if c] or None
        content_label = _text(data.get("content_label"), "/content_label", errors, limit=30)
        date_label = _text(data.get("date_label"), "/date_label", errors, limit=30)
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
        digits = _choice(
            data.get("digits"),
            ("full", "half"),
            "full",
            "/digits",
            errors,
            "数字の表記は full（全角）か half（半角）です。",
        )
        caption = _text(data.get("caption"), "/caption", errors, limit=200)
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


ROLE_SENTENCES = {
    "organiser": "を目的とする{name}を開催した。",
    "member": "を目的とする{kind}の構成団体として、会議に出席した。",
    "attendee": "を目的とする{name}に参加した。",
    "affiliate": "を目的とする{name}に加盟している。",
}


@register
class MeetingPurposeBlock(BlockKind):
    """The narrative that quotes a body's purpose verbatim: 「…」を目的とする協議会の構成団体として、…

    `after` (and optionally `before`) is typed by staff; the purpose comes from the body record,
    so it is written once and quoted the same way every year.
    """

    kind = "meeting_purpose"
    label = "会議体の目的（本文）"
    template_name = "blocks/meeting_purpose.html"

    def clean(self, data: Any) -> dict:
        errors = Errors()
        data = data_object(data, errors)
        cleaned = {
            "body": _body_key(data.get("body"), "/body", errors, required=False),
            "before": _text(data.get("before"), "/before", errors, limit=2000),
            "after": _text(data.get("after"), "/after", errors, limit=5000),
        }
        errors.raise_if_any("会議体の目的")
        return cleaned

    def resolve_many(self, datas: list[dict], *, fiscal_year: int) -> list[Any]:
        keys = {d["body"] for d in datas if d.get("body")}
        bodies = (
            {
                b["key"]: b
                for b in MeetingBody.objects.filter(key__in=keys).values(
                    "key", "name", "kind", "role", "purpose"
                )
            }
            if keys
            else {}
        )
        return [
            {**bodies[d["body"]], "found": True}
            if d.get("body") in bodies
            else {"key": d.get("body"), "found": False}
            for d in datas
        ]

    @staticmethod
    def _body(data: dict, resolved: Any) -> dict | None:
        if resolved and resolved.get("found") and resolved.get("key") == data["body"]:
            return resolved
        return None

    def view(self, data: dict, resolved: Any, *, depth: int) -> dict:
        body = self._body(data, resolved)
        if body is None:
            return {"data": data, "text": "", "missing": True}
        after = data["after"] or ROLE_SENTENCES.get(body["role"], "を目的とする{name}。").format(
            name=body["name"], kind=body["kind"]
        )
        purpose = f"「{body['purpose']}」" if body["purpose"] else ""
        return {"data": data, "text": f"{data['before']}{purpose}{after}", "missing": False}

    def strict_problems(self, data: dict, resolved: Any) -> list[Problem]:
        if not data.get("body"):
            return [Problem("/body", "会議体が選ばれていません。")]
        if resolved is None:
            return []
        body = self._body(data, resolved)
        if body is None:
            return [Problem("/body", f"会議体「{data['body']}」が登録されていません。")]
        if not body["purpose"]:
            return [Problem("/body", f"会議体「{body['name']}」の目的が入力されていません。")]
        return []
