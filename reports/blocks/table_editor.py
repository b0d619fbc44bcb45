"""The form that edits a table block: columns, rows, summary rows, paste from Excel."""

from __future__ import annotations

import re
from typing import Any

from django.http import QueryDict

from akiruno.exceptions import InvalidInput
from reports.blocks.editing import (
    MAX_FORM_ROWS,
    Editor,
    bounded_int,
    cell_text,
    checked,
    row_count,
    swap,
)


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
        ncols = row_count(post, "column_count", 40)
        nrows = row_count(post, "row_count")
        nsum = row_count(post, "summary_count", 4)
        columns = []
        for j in range(ncols):
            col = {f: post.get(f"col-{j}-{f}", "") for f in self.COLUMN_FIELDS}
            col["key"] = post.get(f"col-{j}-key", "")
            for flag in self.COLUMN_FLAGS:
                col[flag] = checked(post, f"col-{j}-{flag}")
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
            "print_columns": bounded_int(post.get("print_columns"), 1, 1, 4),
            "transposed": checked(post, "transposed"),
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
            swap(rows, arg, -1 if op == "up_row" else 1)
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
            swap(columns, arg, delta)
            for row in rows:
                swap(row, arg, delta)
            for s in state["summary"]:
                swap(s["stated"], arg, delta)
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
