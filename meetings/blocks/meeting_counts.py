"""Counts of a fiscal year's sessions by body and category (会議の開催回数), by reference."""

from __future__ import annotations

from typing import Any

from akiruno import cleaning
from akiruno.numbering import MAX_DEPTH, label
from meetings import formatting
from meetings.blocks import (
    SOURCE_LABELS,
    MeetingBlock,
    body_key,
    choice,
    columns_count,
)
from meetings.models import MeetingBody
from meetings.selectors import combined_count, counts_for
from reports import tables
from reports.blocks import Problem, register


@register
class MeetingCountsBlock(MeetingBlock):
    """Counts of sessions by body and category: （ア）協議会 ２回 （イ）担当課長会 ４回（うちオンライン１回）."""

    kind = "meeting_counts"
    label = "会議の開催回数"
    template_name = "blocks/meeting_counts.html"
    schema = {
        "type": "object",
        "properties": {
            "entries": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "body": {
                            "type": "string",
                            "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]*$",
                            "maxLength": 100,
                        },
                        "category": {"type": ["string", "null"]},
                        "label": {"type": ["string", "null"]},
                        "note": {"type": "string"},
                    },
                    "additionalProperties": False,
                    "required": ["body"],
                },
            },
            "style": {"enum": ["numbered", "plain"]},
            "columns": {"type": "integer", "minimum": 1, "maximum": 4},
            "flow": {
                "enum": ["row", "column"],
                "description": "multi-column layout order: row (default) or down the columns",
            },
        },
        "additionalProperties": False,
        "required": ["entries"],
    }

    def clean(self, data: Any) -> dict:
        errors = cleaning.Errors()
        data = cleaning.block_data(data, errors)
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
            category = cleaning.text(entry.get("category"), f"{where}/category", errors, limit=100)
            entry_label = cleaning.text(entry.get("label"), f"{where}/label", errors, limit=200)
            entries.append(
                {
                    "body": body_key(entry.get("body"), f"{where}/body", errors),
                    "category": category or None,
                    "label": entry_label or None,
                    "note": cleaning.text(entry.get("note"), f"{where}/note", errors, limit=500),
                }
            )
        style = choice(
            data.get("style"),
            ("numbered", "plain"),
            "numbered",
            "/style",
            errors,
            "番号付き（numbered）か番号なし（plain）を選んでください。",
        )
        columns = columns_count(data.get("columns"), errors)
        errors.raise_if_any("会議の開催回数")
        return {"entries": entries, "style": style, "columns": columns}

    def body_keys(self, data: dict) -> set[str]:
        return {e.get("body") for e in data.get("entries", []) if isinstance(e, dict)}

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
