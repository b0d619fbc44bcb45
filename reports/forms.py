"""Editor forms for block kinds: block data ⇄ form state (strings) ⇄ POST, and form operations.

A block's editor works on a *state*: the strings the person sees in the form's fields. The state
is built from the stored data (to open the editor), or from a POST (to save, or to show refused
input back as it was typed). Operations such as "add a row" change the state without saving it,
so nothing typed is lost and nothing is half-saved. Saving turns the state into raw data that
the block kind cleans: the kind stays the one place that validates.

Errors come back from the kind as JSON pointers (/rows/3/amount); `field_errors` maps them to
the form's field names so each message shows beside its field.
"""

from __future__ import annotations

import re
from typing import Any

from django.http import QueryDict

from akiruno import numbers
from reports import blocks, tables

MONTHS = [
    "４月",
    "５月",
    "６月",
    "７月",
    "８月",
    "９月",
    "１０月",
    "１１月",
    "１２月",
    "１月",
    "２月",
    "３月",
]
MAX_FORM_ROWS = 2_000


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _bool(post: QueryDict, name: str) -> bool:
    return post.get(name) in {"1", "on", "true", "yes"}


def _int(value: Any, default: int, low: int, high: int) -> int:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return default
    return max(low, min(high, number))


def _count(post: QueryDict, name: str, limit: int = MAX_FORM_ROWS) -> int:
    return _int(post.get(name), 0, 0, limit)


def cell_text(col: dict, value: Any) -> str:
    """A stored cell as the person edits it: 3,960,000, △16,658, 2024-10-15, one line a bullet."""
    ctype = col.get("type", "text")
    if value is None:
        return ""
    if ctype in tables.NUMERIC_TYPES:
        return numbers.format_integer(int(value))
    if ctype == "date_range":
        return f"{value['start']}～{value['end']}"
    if ctype == "lines":
        return "\n".join(value)
    return str(value)


class Editor:
    """The default editor: one per kind; subclasses know their kind's fields."""

    template_name = "staff/sections/blocks/generic.html"

    def initial(self, data: dict) -> dict:
        return {"data": data}

    def from_post(self, post: QueryDict, data: dict) -> dict:
        return self.initial(data)

    def apply(self, state: dict, op: str, arg: int | None) -> dict:
        return state

    def to_data(self, state: dict, data: dict) -> dict:
        return data

    def paste(self, state: dict, start_row: int, start_col: int) -> dict:
        from akiruno.exceptions import InvalidInput

        raise InvalidInput("この種類のブロックには、Excel の範囲を貼り付けられません。")

    def field_errors(self, details: dict, state: dict) -> dict[str, str]:
        return {}

    def place(self, pointer: str, state: dict) -> str:
        return pointer


class TextEditor(Editor):
    template_name = "staff/sections/blocks/text.html"

    def initial(self, data: dict) -> dict:
        return {
            "paragraphs": "\n".join(data.get("paragraphs", [])),
            "inline": data.get("inline", False),
        }

    def from_post(self, post: QueryDict, data: dict) -> dict:
        return {"paragraphs": post.get("paragraphs", ""), "inline": _bool(post, "inline")}

    def to_data(self, state: dict, data: dict) -> dict:
        return {"paragraphs": state["paragraphs"].split("\n"), "inline": state["inline"]}

    def field_errors(self, details: dict, state: dict) -> dict[str, str]:
        messages = [m for p, m in details.items() if p.startswith("/paragraphs")]
        return {"paragraphs": " ".join(messages)} if messages else {}

    def place(self, pointer: str, state: dict) -> str:
        if m := re.fullmatch(r"/paragraphs/(\d+)", pointer):
            return f"{int(m[1]) + 1}段落目"
        return "本文"


class ListEditor(Editor):
    template_name = "staff/sections/blocks/list.html"

    def initial(self, data: dict) -> dict:
        return {
            "entries": "\n".join(data.get("entries", [])),
            "style": data.get("style", "numbered"),
        }

    def from_post(self, post: QueryDict, data: dict) -> dict:
        return {"entries": post.get("entries", ""), "style": post.get("style", "numbered")}

    def to_data(self, state: dict, data: dict) -> dict:
        return {"entries": state["entries"].split("\n"), "style": state["style"]}

    def field_errors(self, details: dict, state: dict) -> dict[str, str]:
        out = {}
        for p, m in details.items():
            out["style" if p == "/style" else "entries"] = m
        return out

    def place(self, pointer: str, state: dict) -> str:
        if m := re.fullmatch(r"/entries/(\d+)", pointer):
            return f"{int(m[1]) + 1}行目"
        return "列挙"


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
                    "extra_value": _str(extra.get("value")),
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
            "total_compare": _str(total.get("compare")),
            "paste": "",
        }

    def from_post(self, post: QueryDict, data: dict) -> dict:
        n = _count(post, "entry_count", 200)
        entries = [{f: post.get(f"entry-{i}-{f}", "") for f in self.FIELDS} for i in range(n)]
        return {
            "entries": entries,
            "style": post.get("style", "numbered"),
            "columns": _int(post.get("columns"), 1, 1, 4),
            "flow": post.get("flow", "row"),
            "inline": _bool(post, "inline"),
            "total_on": _bool(post, "total_on"),
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
            _swap(entries, arg, -1 if op == "up_entry" else 1)
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


def _swap(seq: list, index: int, delta: int) -> None:
    other = index + delta
    if 0 <= index < len(seq) and 0 <= other < len(seq):
        seq[index], seq[other] = seq[other], seq[index]


class TableEditor(Editor):
    template_name = "staff/sections/blocks/table.html"
    COLUMN_FIELDS = (
        "label",
        "type",
        "unit",
        "group",
        "suffix",
        "computed_op",
        "computed_of",
        "range_style",
    )
    COLUMN_FLAGS = ("unit_in_cell", "merge", "within_fiscal_year")

    def initial(self, data: dict) -> dict:
        columns = data.get("columns", [])
        keys = [c["key"] for c in columns]
        state_columns = []
        for c in columns:
            computed = c.get("computed") or {}
            state_columns.append(
                {
                    "key": c["key"],
                    "label": c.get("label", ""),
                    "type": c.get("type", "text"),
                    "unit": c.get("unit", ""),
                    "group": c.get("group", ""),
                    "suffix": c.get("suffix", ""),
                    "computed_op": computed.get("op", ""),
                    "computed_of": ",".join(
                        str(keys.index(k) + 1) for k in computed.get("of", []) if k in keys
                    ),
                    "range_style": c.get("range_style", ""),
                    **{flag: bool(c.get(flag)) for flag in self.COLUMN_FLAGS},
                }
            )
        rows = []
        for row in data.get("rows", []):
            rows.append(
                [cell_text(c, row.get(c["key"])) if not c.get("computed") else "" for c in columns]
            )
        summary = []
        for s in data.get("summary", []):
            summary.append(
                {
                    "op": s["op"],
                    "label": s.get("label", ""),
                    "note": s.get("note", ""),
                    "stated": [
                        cell_text(c, (s.get("stated") or {}).get(c["key"])) for c in columns
                    ],
                }
            )
        header = data.get("row_header")
        return {
            "caption": data.get("caption", ""),
            "unit": data.get("unit") or "",
            "digits": data.get("digits", "half"),
            "print_columns": data.get("print_columns", 1),
            "transposed": data.get("transposed", False),
            "row_header": str(keys.index(header) + 1) if header in keys else "",
            "columns": state_columns,
            "rows": rows,
            "summary": summary,
            "footnotes": "\n".join(data.get("footnotes", [])),
            "paste": "",
        }

    def from_post(self, post: QueryDict, data: dict) -> dict:
        ncols = _count(post, "column_count", 40)
        nrows = _count(post, "row_count")
        nsum = _count(post, "summary_count", 4)
        columns = []
        for j in range(ncols):
            col = {f: post.get(f"col-{j}-{f}", "") for f in self.COLUMN_FIELDS}
            col["key"] = post.get(f"col-{j}-key", "")
            for flag in self.COLUMN_FLAGS:
                col[flag] = _bool(post, f"col-{j}-{flag}")
            columns.append(col)
        rows = [[post.get(f"cell-{r}-{j}", "") for j in range(ncols)] for r in range(nrows)]
        summary = []
        for s in range(nsum):
            op = post.get(f"sum-{s}-op", "")
            summary.append(
                {
                    "op": op,
                    "label": post.get(f"sum-{s}-label", ""),
                    "note": post.get(f"sum-{s}-note", ""),
                    "stated": [post.get(f"sum-{s}-stated-{j}", "") for j in range(ncols)],
                }
            )
        return {
            "caption": post.get("caption", ""),
            "unit": post.get("unit", ""),
            "digits": post.get("digits", "half"),
            "print_columns": _int(post.get("print_columns"), 1, 1, 4),
            "transposed": _bool(post, "transposed"),
            "row_header": post.get("row_header", ""),
            "columns": columns,
            "rows": rows,
            "summary": summary,
            "footnotes": post.get("footnotes", ""),
            "paste": post.get("paste", ""),
        }

    def _new_key(self, state: dict) -> str:
        used = {c["key"] for c in state["columns"]}
        n = len(used) + 1
        while f"c{n}" in used:
            n += 1
        return f"c{n}"

    def apply(self, state: dict, op: str, arg: int | None) -> dict:
        rows, columns = state["rows"], state["columns"]
        width = len(columns)
        if op == "add_row":
            at = len(rows) if arg is None else arg + 1
            rows.insert(at, [""] * width)
        elif op == "del_row" and arg is not None and 0 <= arg < len(rows):
            rows.pop(arg)
        elif op in {"up_row", "down_row"} and arg is not None:
            _swap(rows, arg, -1 if op == "up_row" else 1)
        elif op == "add_col":
            at = len(columns) if arg is None else arg + 1
            columns.insert(
                at,
                {
                    "key": self._new_key(state),
                    "label": f"列{width + 1}",
                    "type": "text",
                    **dict.fromkeys(
                        ("unit", "group", "suffix", "computed_op", "computed_of", "range_style"), ""
                    ),
                    **dict.fromkeys(self.COLUMN_FLAGS, False),
                },
            )
            for row in rows:
                row.insert(at, "")
            for s in state["summary"]:
                s["stated"].insert(at, "")
        elif op == "del_col" and arg is not None and 0 <= arg < width and width > 1:
            columns.pop(arg)
            for row in rows:
                row.pop(arg)
            for s in state["summary"]:
                s["stated"].pop(arg)
        elif op in {"left_col", "right_col"} and arg is not None:
            delta = -1 if op == "left_col" else 1
            _swap(columns, arg, delta)
            for row in rows:
                _swap(row, arg, delta)
            for s in state["summary"]:
                _swap(s["stated"], arg, delta)
        elif op == "add_summary" and len(state["summary"]) < 4:
            state["summary"].append({"op": "sum", "label": "", "note": "", "stated": [""] * width})
        elif op == "del_summary" and arg is not None and 0 <= arg < len(state["summary"]):
            state["summary"].pop(arg)
        return state

    def paste(self, state: dict, start_row: int, start_col: int) -> dict:
        """Fill the grid from cells copied from Excel, from (start_row, start_col), adding rows."""
        from reports.spreadsheets import parse_pasted

        pasted = parse_pasted(state["paste"])
        inputs = [j for j, c in enumerate(state["columns"]) if not c["computed_op"]]
        positions = inputs[inputs.index(start_col) :] if start_col in inputs else inputs
        from akiruno.exceptions import InvalidInput

        wrong = {
            f"/paste/{i}": f"貼り付けた{i + 1}行目のセルが{len(row)}個です。"
            f"{len(positions)}列まで貼り付けられます。"
            for i, row in enumerate(pasted)
            if len(row) > len(positions)
        }
        if wrong:
            raise InvalidInput(
                f"貼り付けた内容の列が表より多いため、貼り付けませんでした（{len(wrong)}行）。",
                details=wrong,
            )
        if start_row + len(pasted) > MAX_FORM_ROWS:
            raise InvalidInput(f"表は{MAX_FORM_ROWS:,}行までです。")
        width = len(state["columns"])
        while len(state["rows"]) < start_row + len(pasted):
            state["rows"].append([""] * width)
        for i, row in enumerate(pasted):
            for value, j in zip(row, positions, strict=False):
                state["rows"][start_row + i][j] = "" if value is None else str(value)
        state["paste"] = ""
        return state

    def to_data(self, state: dict, data: dict) -> dict:
        columns = []
        keys = [c["key"] or f"c{j + 1}" for j, c in enumerate(state["columns"])]
        for j, c in enumerate(state["columns"]):
            col: dict[str, Any] = {"key": keys[j], "label": c["label"], "type": c["type"]}
            for opt in ("unit", "group", "suffix", "range_style"):
                if c[opt]:
                    col[opt] = c[opt]
            for flag in self.COLUMN_FLAGS:
                if c[flag]:
                    col[flag] = True
            if c["computed_op"]:
                of = []
                for part in re.split(r"[,、，\s]+", c["computed_of"]):
                    try:
                        of.append(keys[int(part) - 1])
                    except (ValueError, IndexError):
                        if part:
                            of.append(part)
                col["computed"] = {"op": c["computed_op"], "of": of}
            columns.append(col)
        rows = []
        for row in state["rows"]:
            if not any(v.strip() for v in row):
                continue  # an empty row in the form is not a row of the table
            rows.append(
                {
                    keys[j]: (v if v.strip() else None)
                    for j, v in enumerate(row)
                    if not state["columns"][j]["computed_op"]
                }
            )
        summary = []
        for s in state["summary"]:
            if not s["op"]:
                continue
            stated = {keys[j]: v for j, v in enumerate(s["stated"]) if v.strip()}
            summary.append(
                {"op": s["op"], "label": s["label"], "note": s["note"], "stated": stated}
            )
        try:
            header_index = int(state["row_header"]) - 1
            row_header = keys[header_index] if 0 <= header_index < len(keys) else None
        except ValueError:
            row_header = None
        return {
            "caption": state["caption"],
            "unit": state["unit"] or None,
            "digits": state["digits"],
            "print_columns": state["print_columns"],
            "transposed": state["transposed"],
            "row_header": row_header,
            "columns": columns,
            "rows": rows,
            "summary": summary,
            "footnotes": [f for f in state["footnotes"].split("\n") if f.strip()],
        }

    def _row_map(self, state: dict) -> list[int]:
        return [r for r, row in enumerate(state["rows"]) if any(v.strip() for v in row)]

    def field_errors(self, details: dict, state: dict) -> dict[str, str]:
        keys = [c["key"] or f"c{j + 1}" for j, c in enumerate(state["columns"])]
        rows = self._row_map(state)
        out: dict[str, str] = {}
        for p, m in details.items():
            if mm := re.fullmatch(r"/rows/(\d+)/(\w+)", p):
                r = rows[int(mm[1])] if int(mm[1]) < len(rows) else int(mm[1])
                j = keys.index(mm[2]) if mm[2] in keys else 0
                out[f"cell-{r}-{j}"] = m
            elif mm := re.fullmatch(r"/rows/(\d+)", p):
                r = rows[int(mm[1])] if int(mm[1]) < len(rows) else int(mm[1])
                out[f"row-{r}"] = m
            elif mm := re.fullmatch(r"/columns/(\d+)/(\w+)(?:/.*)?", p):
                out[f"col-{mm[1]}-{mm[2]}"] = m
            elif mm := re.fullmatch(r"/summary/(\d+)/stated/(\w+)", p):
                j = keys.index(mm[2]) if mm[2] in keys else 0
                out[f"sum-{mm[1]}-stated-{j}"] = m
            elif mm := re.fullmatch(r"/summary/(\d+)/(\w+)", p):
                out[f"sum-{mm[1]}-{mm[2]}"] = m
            else:
                out[p.strip("/").replace("/", "-") or "block"] = m
        return out

    def place(self, pointer: str, state: dict) -> str:
        keys = [c["key"] or f"c{j + 1}" for j, c in enumerate(state["columns"])]
        labels = {k: c["label"] for k, c in zip(keys, state["columns"], strict=True)}
        rows = self._row_map(state)
        if mm := re.fullmatch(r"/rows/(\d+)(?:/(\w+))?", pointer):
            r = rows[int(mm[1])] if int(mm[1]) < len(rows) else int(mm[1])
            return f"{r + 1}行目" + (f"「{labels.get(mm[2], mm[2])}」" if mm[2] else "")
        if mm := re.match(r"/columns/(\d+)", pointer):
            return f"{int(mm[1]) + 1}列目の設定"
        if mm := re.match(r"/summary/(\d+)", pointer):
            return f"集計行{int(mm[1]) + 1}"
        if pointer.startswith("/paste"):
            return "貼り付け"
        return "表の設定"


class MonthlyEditor(Editor):
    template_name = "staff/sections/blocks/monthly_table.html"

    def initial(self, data: dict) -> dict:
        return {
            "caption": data.get("caption", ""),
            "row_label": data.get("row_label", "月"),
            "summary_sum": "sum" in data.get("summary", []),
            "summary_average": "average" in data.get("summary", []),
            "split": data.get("split", 1),
            "digits": data.get("digits", "half"),
            "measures": [
                {
                    "label": m.get("label", ""),
                    "unit": m.get("unit", ""),
                    "values": [
                        numbers.format_integer(v) if v is not None else "" for v in m["values"]
                    ],
                }
                for m in data.get("measures", [])
            ],
            "paste": "",
        }

    def from_post(self, post: QueryDict, data: dict) -> dict:
        n = _count(post, "measure_count", 10)
        return {
            "caption": post.get("caption", ""),
            "row_label": post.get("row_label", "月"),
            "summary_sum": _bool(post, "summary_sum"),
            "summary_average": _bool(post, "summary_average"),
            "split": _int(post.get("split"), 1, 1, 2),
            "digits": post.get("digits", "half"),
            "measures": [
                {
                    "label": post.get(f"m-{i}-label", ""),
                    "unit": post.get(f"m-{i}-unit", ""),
                    "values": [post.get(f"m-{i}-v-{k}", "") for k in range(12)],
                }
                for i in range(n)
            ],
            "paste": post.get("paste", ""),
        }

    def apply(self, state: dict, op: str, arg: int | None) -> dict:
        measures = state["measures"]
        if op == "add_measure" and len(measures) < 10:
            measures.append({"label": "", "unit": "", "values": [""] * 12})
        elif (
            op == "del_measure"
            and arg is not None
            and 0 <= arg < len(measures)
            and len(measures) > 1
        ):
            measures.pop(arg)
        elif op in {"up_measure", "down_measure"} and arg is not None:
            _swap(measures, arg, -1 if op == "up_measure" else 1)
        return state

    def paste(self, state: dict, start_row: int, start_col: int) -> dict:
        """Fill measures from pasted rows: twelve values a row, April first; a leading label
        cell (件数) is taken as the measure's name."""
        from akiruno.exceptions import InvalidInput
        from reports.spreadsheets import parse_pasted

        pasted = parse_pasted(state["paste"])
        start_col = max(0, min(start_col, 11))
        errors = {}
        parsed = []
        for i, row in enumerate(pasted):
            label, first = None, start_col
            if len(row) == 13:
                label, row = row[0], row[1:]
            if len(row) == 12:
                first = 0  # a whole year: April to March, wherever it was pasted
            elif first + len(row) > 12:
                errors[f"/paste/{i}"] = (
                    f"貼り付けた{i + 1}行目のセルが{len(row)}個です。{MONTHS[first]}からは"
                    f"{12 - first}個まで、４月から３月までなら12個"
                    "（先頭に項目名を付けるなら13個）にしてください。"
                )
                continue
            parsed.append((label, first, row))
        if errors:
            raise InvalidInput(
                "貼り付けた内容の形が月別表と合いません。何も変更していません。", details=errors
            )
        for i, (label, first, row) in enumerate(parsed):
            index = start_row + i
            while len(state["measures"]) <= index:
                state["measures"].append({"label": "", "unit": "", "values": [""] * 12})
            if label:
                state["measures"][index]["label"] = str(label)
            values = state["measures"][index]["values"]
            for k, v in enumerate(row):
                values[first + k] = "" if v is None else str(v)
        state["paste"] = ""
        return state

    def to_data(self, state: dict, data: dict) -> dict:
        summary = [op for op in ("sum", "average") if state[f"summary_{op}"]]
        if state["summary_average"] and state["summary_sum"] and state["split"] == 2:
            summary = ["average", "sum"]
        return {
            "caption": state["caption"],
            "row_label": state["row_label"],
            "summary": summary,
            "split": state["split"],
            "digits": state["digits"],
            "measures": [
                {
                    "label": m["label"],
                    "unit": m["unit"],
                    "values": [v if v.strip() else None for v in m["values"]],
                }
                for m in state["measures"]
            ],
        }

    def field_errors(self, details: dict, state: dict) -> dict[str, str]:
        out = {}
        for p, m in details.items():
            if mm := re.fullmatch(r"/measures/(\d+)/values/(\d+)", p):
                out[f"m-{mm[1]}-v-{mm[2]}"] = m
            elif mm := re.fullmatch(r"/measures/(\d+)/(\w+)", p):
                out[f"m-{mm[1]}-{mm[2]}"] = m
            else:
                out[p.strip("/").replace("/", "-") or "block"] = m
        return out

    def place(self, pointer: str, state: dict) -> str:
        if mm := re.fullmatch(r"/measures/(\d+)/values/(\d+)", pointer):
            label = (
                state["measures"][int(mm[1])]["label"]
                if int(mm[1]) < len(state["measures"])
                else ""
            )
            return f"「{label}」{MONTHS[int(mm[2])]}"
        if mm := re.match(r"/measures/(\d+)", pointer):
            return f"{int(mm[1]) + 1}行目の項目"
        return "月別表"


class GenericEditor(Editor):
    """Kinds this editor does not know (registered by other apps): a simple field per key of
    the kind's blank data when the value is plain (text, number, yes/no, list of lines);
    anything more structured is left as it is, to be edited in the kind's own screen."""

    template_name = "staff/sections/blocks/generic.html"

    @staticmethod
    def _simple(value: Any) -> str | None:
        if isinstance(value, bool):
            return "bool"
        if isinstance(value, int):
            return "int"
        if isinstance(value, str):
            return "str"
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return "lines"
        return None

    def fields(self, kind: blocks.BlockKind, data: dict) -> list[dict]:
        try:
            blank = kind.blank_data()
        except Exception:
            blank = {}
        keys = [k for k in dict.fromkeys([*blank.keys(), *data.keys()]) if k != "chart"]
        out = []
        for key in keys:
            value = data.get(key, blank.get(key))
            ftype = self._simple(value if value is not None else blank.get(key))
            out.append({"key": key, "type": ftype, "value": value})
        return out

    def initial(self, data: dict) -> dict:
        values = {}
        for key, value in data.items():
            ftype = self._simple(value)
            if ftype == "lines":
                values[key] = "\n".join(value)
            elif ftype in {"str", "int"}:
                values[key] = _str(value)
            elif ftype == "bool":
                values[key] = value
        return {"values": values}

    def from_post(self, post: QueryDict, data: dict) -> dict:
        values = {}
        for key, value in data.items():
            ftype = self._simple(value)
            if ftype == "bool":
                values[key] = _bool(post, f"f-{key}")
            elif ftype in {"str", "int", "lines"}:
                values[key] = post.get(f"f-{key}", "")
        return {"values": values}

    def to_data(self, state: dict, data: dict) -> dict:
        out = dict(data)
        for key, value in state["values"].items():
            ftype = self._simple(data.get(key))
            if ftype == "lines":
                out[key] = [line for line in str(value).split("\n") if line.strip()]
            elif ftype == "int":
                try:
                    out[key] = numbers.parse_integer(str(value))
                except Exception:
                    out[key] = value  # the kind's clean names the problem
            else:
                out[key] = value
        return out

    def field_errors(self, details: dict, state: dict) -> dict[str, str]:
        out = {}
        for p, m in details.items():
            key = p.strip("/").split("/")[0]
            out[f"f-{key}" if key else "block"] = m
        return out


# -- the chart choice, for every kind that lists charts (reports/charts.py) -------------------

CHART_STATE = "_chart"


def chart_choice(state: dict, data: dict) -> str:
    """The chart chosen in the form ('' = the kind's default)."""
    return str(state.get(CHART_STATE, data.get("chart") or ""))


def chart_options(kind: blocks.BlockKind, current: str) -> list[tuple[str, str, bool]]:
    """(value, label, selected) of the chart select; empty for kinds without charts."""
    from reports import charts

    kinds = tuple(getattr(kind, "chart_kinds", ()))
    if not kinds:
        return []
    allowed = list(dict.fromkeys([*kinds, "none"]))
    options = [("", f"既定（{charts.CHART_LABELS[kinds[0]]}）", current == "")]
    options += [(k, charts.CHART_LABELS[k], current == k) for k in allowed]
    return options


def with_chart_choice(kind: blocks.BlockKind | None, data: dict, state: dict) -> dict:
    """The data to save with the form's chart choice (left out when it is the default)."""
    if kind is None or not getattr(kind, "chart_kinds", ()) or CHART_STATE not in state:
        return data
    data = {key: value for key, value in data.items() if key != "chart"}
    if state[CHART_STATE]:
        data["chart"] = state[CHART_STATE]  # the kind's clean refuses a kind that does not fit
    return data


EDITORS: dict[str, Editor] = {
    "text": TextEditor(),
    "list": ListEditor(),
    "counts": CountsEditor(),
    "table": TableEditor(),
    "monthly_table": MonthlyEditor(),
}
GENERIC = GenericEditor()


def editor_for(kind: str) -> Editor:
    return EDITORS.get(kind, GENERIC)


def parse_op(value: str | None) -> tuple[str, int | None]:
    """'del_row:3' → ('del_row', 3); '' or 'save' → ('save', None)."""
    if not value:
        return "save", None
    name, _, arg = value.partition(":")
    try:
        return name, int(arg) if arg else None
    except ValueError:
        return name, None
