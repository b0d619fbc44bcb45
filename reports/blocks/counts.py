"""Count statements (件数): 協議会 ２回, 投票数 ４，１１９票, optionally numbered and totalled."""

from __future__ import annotations

import re
from typing import Any

from django.http import QueryDict

from akiruno import cleaning, numbers
from reports import tables
from reports.blocks import BlockKind, Problem, register
from reports.blocks.editing import Editor, as_text, bounded_int, checked, row_count, swap


class CountsEditor(Editor):
    template_name = "staff/sections/blocks/counts.html"
    FIELDS = ("label", "value", "unit", "note", "extra_value", "extra_unit", "extra_sep")

    def initial(self, data: dict) -> dict:
        entries = []
        for e in data.get("entries", []):
            extra = (e.get("extra") or [{}])[0]
            entries.append(
                {
                    "label": e.get("label", ""),
                    "value": numbers.format_integer(e["value"])
                    if e.get("value") is not None
                    else "",
                    "unit": e.get("unit", ""),
                    "note": e.get("note", ""),
                    "extra_value": as_text(extra.get("value")),
                    "extra_unit": extra.get("unit", ""),
                    "extra_sep": extra.get("separator", ""),
                }
            )
        total = data.get("total") or {}
        return {
            "entries": entries or [dict.fromkeys(self.FIELDS, "")],
            "style": data.get("style", "numbered"),
            "columns": data.get("columns", 1),
            "flow": data.get("flow", "row"),
            "inline": data.get("inline", False),
            "total_on": bool(data.get("total")),
            "total_label": total.get("label", ""),
            "total_unit": total.get("unit", ""),
            "total_note": total.get("note", ""),
            "total_compare": as_text(total.get("compare")),
            "paste": "",
        }

    def from_post(self, post: QueryDict, data: dict) -> dict:
        n = row_count(post, "entry_count", 200)
        entries = [{f: post.get(f"entry-{i}-{f}", "") for f in self.FIELDS} for i in range(n)]
        return {
            "entries": entries,
            "style": post.get("style", "numbered"),
            "columns": bounded_int(post.get("columns"), 1, 1, 4),
            "flow": post.get("flow", "row"),
            "inline": checked(post, "inline"),
            "total_on": checked(post, "total_on"),
            "total_label": post.get("total_label", ""),
            "total_unit": post.get("total_unit", ""),
            "total_note": post.get("total_note", ""),
            "total_compare": post.get("total_compare", ""),
            "paste": post.get("paste", ""),
        }

    # The grid's input columns from left to right, as a range copied from Excel fills them.
    PASTE_FIELDS = ("label", "value", "unit", "extra_value", "extra_unit", "note")

    def paste(self, state: dict, start_row: int, start_col: int) -> dict:
        """Fill entries from cells copied from Excel (項目名・数・単位…), from (start_row,
        start_col) on, adding rows as needed."""
        from akiruno.exceptions import InvalidInput
        from reports.spreadsheets import parse_pasted

        pasted = parse_pasted(state["paste"])
        positions = self.PASTE_FIELDS[max(0, min(start_col, len(self.PASTE_FIELDS) - 1)) :]
        wrong = {
            f"/paste/{i}": f"貼り付けた{i + 1}行目のセルが{len(row)}個です。"
            f"{len(positions)}列まで貼り付けられます。"
            for i, row in enumerate(pasted)
            if len(row) > len(positions)
        }
        if wrong:
            raise InvalidInput(
                f"貼り付けた内容の列が件数の表より多いため、貼り付けませんでした（{len(wrong)}行）。",
                details=wrong,
            )
        if start_row + len(pasted) > 200:
            raise InvalidInput("件数は200行までです。")
        entries = state["entries"]
        while len(entries) < start_row + len(pasted):
            entries.append(dict.fromkeys(self.FIELDS, ""))
        for i, row in enumerate(pasted):
            for value, field in zip(row, positions, strict=False):
                entries[start_row + i][field] = "" if value is None else str(value).strip()
        state["paste"] = ""
        return state

    def apply(self, state: dict, op: str, arg: int | None) -> dict:
        entries = state["entries"]
        blank = dict.fromkeys(self.FIELDS, "")
        if op == "add_entry":
            at = len(entries) if arg is None else arg + 1
            entries.insert(at, dict(blank))
        elif op == "del_entry" and arg is not None and 0 <= arg < len(entries):
            entries.pop(arg)
        elif op in {"up_entry", "down_entry"} and arg is not None:
            swap(entries, arg, -1 if op == "up_entry" else 1)
        return state

    def to_data(self, state: dict, data: dict) -> dict:
        entries = []
        for e in state["entries"]:
            if not any(str(e.get(f, "")).strip() for f in self.FIELDS if f != "extra_sep"):
                continue
            extra = []
            if e["extra_value"].strip() or e["extra_unit"].strip():
                extra = [
                    {
                        "value": e["extra_value"],
                        "unit": e["extra_unit"],
                        "separator": e["extra_sep"],
                    }
                ]
            entries.append(
                {
                    "label": e["label"],
                    "value": e["value"],
                    "unit": e["unit"],
                    "note": e["note"],
                    "extra": extra,
                }
            )
        total = None
        if state["total_on"]:
            total = {
                "label": state["total_label"],
                "unit": state["total_unit"],
                "note": state["total_note"],
                "compare": state["total_compare"],
            }
        return {
            "entries": entries,
            "style": state["style"],
            "columns": state["columns"],
            "flow": state["flow"],
            "inline": state["inline"],
            "total": total,
        }

    def _visible_index(self, state: dict) -> list[int]:
        """Map an entry's index in the cleaned data back to its row in the form."""
        return [
            i
            for i, e in enumerate(state["entries"])
            if any(str(e.get(f, "")).strip() for f in self.FIELDS if f != "extra_sep")
        ]

    def field_errors(self, details: dict, state: dict) -> dict[str, str]:
        rows = self._visible_index(state)
        out = {}
        for p, m in details.items():
            if mm := re.fullmatch(r"/entries/(\d+)/extra/\d+/(value|unit|sep)", p):
                i = rows[int(mm[1])] if int(mm[1]) < len(rows) else int(mm[1])
                out[f"entry-{i}-extra_{mm[2]}"] = m
            elif mm := re.fullmatch(r"/entries/(\d+)/(\w+)", p):
                i = rows[int(mm[1])] if int(mm[1]) < len(rows) else int(mm[1])
                out[f"entry-{i}-{mm[2]}"] = m
            elif mm := re.fullmatch(r"/total/(\w+)", p):
                out[f"total_{mm[1]}"] = m
            else:
                out[p.strip("/") or "block"] = m
        return out

    def place(self, pointer: str, state: dict) -> str:
        names = {"label": "項目名", "value": "数", "unit": "単位", "note": "注記"}
        if mm := re.match(r"/entries/(\d+)(?:/(\w+))?", pointer):
            return f"{int(mm[1]) + 1}行目 {names.get(mm[2] or '', '')}".strip()
        if pointer.startswith("/total"):
            return "合計"
        return "件数"


@register
class CountsBlock(BlockKind):
    """Count statements: 協議会 ２回, 投票数 ４，１１９票, optionally numbered and with a total.

    `total` (optional) prints the sum of the entries after a label; `compare` records a figure
    the sum legitimately differs from (letters received vs fields touched) with its note.
    """

    kind = "counts"
    label = "件数"
    template_name = "blocks/counts.html"
    editor = CountsEditor()
    menu_position = 2
    schema = {
        "type": "object",
        "properties": {
            "entries": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "label": {"type": "string"},
                        "value": {"type": ["integer", "null"]},
                        "unit": {"type": "string"},
                        "note": {"type": "string"},
                        "extra": {"type": "array", "items": {"$ref": "#/$defs/count_extra"}},
                    },
                    "additionalProperties": False,
                    "required": ["label", "value"],
                },
            },
            "style": {"enum": ["numbered", "plain"]},
            "columns": {"type": "integer", "minimum": 1, "maximum": 4},
            "total": {
                "anyOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "properties": {
                            "label": {"type": "string"},
                            "unit": {"type": "string"},
                            "note": {"type": "string"},
                            "compare": {"type": ["integer", "null"]},
                        },
                        "additionalProperties": False,
                    },
                ]
            },
            "flow": {
                "enum": ["row", "column"],
                "description": "multi-column layout order: row (default) or down the columns",
            },
            "inline": {"type": "boolean"},
        },
        "additionalProperties": False,
        "required": ["entries"],
    }
    schema_defs = {
        "count_extra": {
            "type": "object",
            "properties": {
                "value": {"type": ["integer", "null"]},
                "unit": {"type": "string"},
                "separator": {"type": "string"},
            },
            "additionalProperties": False,
            "required": ["value", "unit"],
            "description": "A further figure printed right after the main count: separator "
            "+ value + unit (２６人、６団体; １１組２３人).",
        }
    }

    def clean(self, data: Any) -> dict:
        errors = cleaning.Errors()
        data = cleaning.block_data(data, errors)
        raw_entries = data.get("entries", [])
        if not isinstance(raw_entries, list):
            errors.add("/entries", "件数の一覧で入力してください。")
            raw_entries = []
        entries = []
        for i, entry in enumerate(raw_entries):
            if not isinstance(entry, dict):
                errors.add(f"/entries/{i}", "ラベル・数・単位で入力してください。")
                continue
            value = cleaning.integer(entry.get("value"), f"/entries/{i}/value", errors)
            entries.append(
                {
                    "label": cleaning.text(
                        entry.get("label"), f"/entries/{i}/label", errors, limit=200
                    ),
                    "value": value,
                    "unit": cleaning.text(
                        entry.get("unit"), f"/entries/{i}/unit", errors, limit=20
                    ),
                    "note": cleaning.text(
                        entry.get("note"), f"/entries/{i}/note", errors, limit=500
                    ),
                    "extra": _clean_extra(entry.get("extra"), f"/entries/{i}/extra", errors),
                }
            )
        style = data.get("style", "numbered")
        if style not in {"numbered", "plain"}:
            errors.add("/style", "番号付き（numbered）か番号なし（plain）を選んでください。")
        columns = data.get("columns", 1)
        if not isinstance(columns, int) or not 1 <= columns <= 4:
            errors.add("/columns", "段組みは1～4で指定してください。")
            columns = 1
        flow = data.get("flow", "row")
        if flow not in {"row", "column"}:
            errors.add("/flow", "並べ方は row（横に並べる）か column（縦に並べる）です。")
            flow = "row"
        total = data.get("total")
        if total is not None:
            if not isinstance(total, dict):
                errors.add("/total", "合計の指定が正しくありません。")
                total = None
            else:
                compare = cleaning.integer(total.get("compare"), "/total/compare", errors)
                total = {
                    "label": cleaning.text(total.get("label"), "/total/label", errors, limit=200),
                    "unit": cleaning.text(total.get("unit"), "/total/unit", errors, limit=20),
                    "note": cleaning.text(total.get("note"), "/total/note", errors, limit=500),
                    "compare": compare,
                }
        errors.raise_if_any("件数")
        return {
            "entries": entries,
            "style": style,
            "columns": columns,
            "flow": flow,
            "inline": bool(data.get("inline", False)),
            "total": total,
        }

    def strict_problems(self, data: dict, resolved: Any) -> list[Problem]:
        """A count left empty, or below zero, blocks submission (a count is never negative)."""
        problems = []
        if not data.get("entries"):
            problems.append(Problem("/entries", "件数の項目がありません。"))
        for i, entry in enumerate(data.get("entries", [])):
            name = entry.get("label") or f"{i + 1}番目の件数"
            value = entry.get("value")
            if value is None:
                problems.append(
                    Problem(f"/entries/{i}/value", f"「{name}」の数が入力されていません。")
                )
            elif value < 0:
                problems.append(
                    Problem(
                        f"/entries/{i}/value",
                        f"「{name}」の数が {value} です。件数は負の数にできません。",
                    )
                )
            for x, extra in enumerate(entry.get("extra", [])):
                figure = extra.get("value")
                where = f"/entries/{i}/extra/{x}/value"
                if figure is None:
                    problems.append(
                        Problem(
                            where,
                            f"「{name}」に続く数（{extra.get('unit')}）が入力されていません。",
                        )
                    )
                elif figure < 0:
                    problems.append(
                        Problem(
                            where,
                            f"「{name}」に続く数（{extra.get('unit')}）が {figure} です。"
                            "件数は負の数にできません。",
                        )
                    )
        return problems

    def view(self, data: dict, resolved: Any, *, depth: int) -> dict:
        from akiruno.numbering import MAX_DEPTH, label

        entries = []
        for index, entry in enumerate(data["entries"], start=1):
            mark = label(min(depth + 1, MAX_DEPTH), index) if data["style"] == "numbered" else ""
            value = entry["value"]
            count = numbers.count_text(value, entry["unit"]) if value is not None else ""
            for extra in entry.get("extra", []):
                if extra["value"] is not None:
                    count += extra["separator"] + numbers.count_text(extra["value"], extra["unit"])
            entries.append({**entry, "mark": mark, "count": count})
        total = None
        if data.get("total"):
            computed = tables.sum_or_none([e["value"] for e in data["entries"]])
            total = {
                **data["total"],
                "value": computed,
                "count": numbers.count_text(computed or 0, data["total"]["unit"]),
            }
        columns = data["columns"]
        if data.get("flow") == "column" and columns > 1:
            # Read down each column first (ア イ ウ | エ オ カ), as the printed report does.
            per_column = -(-len(entries) // columns)
            rows = [
                [
                    entries[c * per_column + r]
                    for c in range(columns)
                    if c * per_column + r < len(entries)
                ]
                for r in range(per_column)
            ]
        else:
            rows = [entries[i : i + columns] for i in range(0, len(entries), columns)]
        inline = None
        if data.get("inline"):
            if total is not None:
                inline = "total"
            elif len(entries) <= columns:
                inline = "entries"
        return {"data": data, "entries": entries, "rows": rows, "total": total, "inline": inline}

    def tables(self, data: dict, resolved: Any) -> list[tables.TableView]:
        columns = [
            {"key": "label", "label": "項目", "type": "text"},
            {"key": "value", "label": "数", "type": "integer"},
            {"key": "unit", "label": "単位", "type": "text"},
            {"key": "note", "label": "備考", "type": "text"},
        ]
        rows = [
            tables.Row(
                [
                    tables.Cell(e["label"], e["label"], "text", is_header=True),
                    tables.Cell(e["value"], tables.display_cell(columns[1], e["value"]), "integer"),
                    tables.Cell(e["unit"], e["unit"]),
                    tables.Cell(e["note"], e["note"]),
                ]
            )
            for e in data["entries"]
        ]
        return [tables.TableView(caption="", columns=columns, rows=rows)]

    def history_lines(self, view: dict) -> list[str] | None:
        out = []
        if view.get("total"):
            t = view["total"]
            out.append(
                f"{t['label']} {t['count']}（{t['note']}）"
                if t.get("note")
                else f"{t['label']} {t['count']}"
            )
        out.extend(
            f"{e['mark']} {e['label']} {e['count']}{e['note']}".strip()
            for e in view.get("entries", [])
        )
        return out

    def clear_numbers(self, data: dict) -> dict:
        entries = [
            {**e, "value": None, "extra": [{**x, "value": None} for x in e.get("extra", [])]}
            for e in data["entries"]
        ]
        total = data.get("total")
        if total:
            total = {**total, "compare": None}
        return {**data, "entries": entries, "total": total}


def _clean_extra(raw: Any, where: str, errors: cleaning.Errors) -> list[dict]:
    """Further figures after an entry's count: １１組２３人, ２６人、６団体."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        errors.add(where, "追加の数は一覧で指定してください。")
        return []
    out = []
    for j, extra in enumerate(raw):
        if not isinstance(extra, dict):
            errors.add(f"{where}/{j}", "追加の数は数・単位で指定してください。")
            continue
        value = cleaning.integer(extra.get("value"), f"{where}/{j}/value", errors)
        sep = extra.get("separator", "")
        if sep not in ("", "、"):
            errors.add(f"{where}/{j}/separator", "区切りは なし か「、」です。")
            sep = ""
        out.append(
            {
                "value": value,
                "unit": cleaning.text(extra.get("unit"), f"{where}/{j}/unit", errors, limit=20),
                "separator": sep,
            }
        )
    return out
