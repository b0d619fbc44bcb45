"""Tables (表): typed columns, computed columns and summary rows, footnotes and print layouts."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.http import QueryDict

from akiruno import cleaning
from akiruno.exceptions import InvalidInput
from reports import tables
from reports.blocks import BlockKind, Problem, register
from reports.blocks.editing import (
    MAX_FORM_ROWS,
    Editor,
    bounded_int,
    cell_text,
    checked,
    row_count,
    swap,
)

MAX_TEXT = 20_000
MAX_ROWS = 2_000
MAX_COLUMNS = 40


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


@register
class TableBlock(BlockKind):
    """A table with typed columns, computed columns and summary rows, footnotes and layouts."""

    kind = "table"
    label = "表"
    template_name = "blocks/table.html"
    editor = TableEditor()
    menu_position = 3
    accepts_rows = True

    def blank_data(self) -> dict:
        return self.clean(
            {
                "columns": [
                    {"key": "c1", "label": "項目", "type": "text"},
                    {"key": "c2", "label": "件数", "type": "integer"},
                ],
                "rows": [],
            }
        )

    def clean(self, data: Any) -> dict:
        return self._clean(data, fiscal_year=None)

    def clean_for(self, data: Any, *, fiscal_year: int | None = None) -> dict:
        return self._clean(data, fiscal_year=fiscal_year)

    def _clean(self, data: Any, *, fiscal_year: int | None) -> dict:
        errors = cleaning.Errors()
        data = cleaning.block_data(data, errors)
        columns = tables.clean_columns(data.get("columns"), errors)
        input_columns = [c for c in columns if "computed" not in c]
        raw_rows = data.get("rows", [])
        if not isinstance(raw_rows, list):
            errors.add("/rows", "行の一覧で入力してください。")
            raw_rows = []
        if len(raw_rows) > MAX_ROWS:
            errors.add("/rows", f"行は{MAX_ROWS:,}行までです（{len(raw_rows):,}行）。")
            raw_rows = []
        rows = []
        for r, raw in enumerate(raw_rows):
            if isinstance(raw, list):
                if len(raw) != len(input_columns):
                    errors.add(
                        f"/rows/{r}",
                        f"{r + 1}行目のセルの数が{len(raw)}個です。入力する列は{len(input_columns)}列です。",
                    )
                    continue
                raw = dict(zip([c["key"] for c in input_columns], raw, strict=True))
            if not isinstance(raw, dict):
                errors.add(f"/rows/{r}", f"{r + 1}行目の形式が正しくありません。")
                continue
            unknown = set(raw) - {c["key"] for c in columns}
            if unknown:
                errors.add(
                    f"/rows/{r}", f"{r + 1}行目に表にない列があります: {'、'.join(sorted(unknown))}"
                )
            row = {}
            for col in columns:
                if "computed" in col:
                    if raw.get(col["key"]) not in (None, ""):
                        errors.add(
                            f"/rows/{r}/{col['key']}",
                            f"「{col['label']}」は計算で求める列です。値を入力しないでください。",
                        )
                    continue
                try:
                    row[col["key"]] = tables.parse_cell(col, raw.get(col["key"]))
                except ValidationError as exc:
                    errors.add(
                        f"/rows/{r}/{col['key']}",
                        f"{r + 1}行目「{col['label']}」: {tables._message(exc)}",
                    )
                    continue
                if fiscal_year and col.get("within_fiscal_year"):
                    problem = tables.outside_fiscal_year(col, row[col["key"]], fiscal_year)
                    if problem:
                        errors.add(
                            f"/rows/{r}/{col['key']}", f"{r + 1}行目「{col['label']}」: {problem}"
                        )
            rows.append(row)
        summary = []
        raw_summary = data.get("summary", [])
        if not isinstance(raw_summary, list):
            errors.add("/summary", "集計行の一覧で指定してください。")
            raw_summary = []
        numeric_keys = {c["key"]: c for c in columns if c["type"] in tables.NUMERIC_TYPES}
        for s, spec in enumerate(raw_summary):
            if not isinstance(spec, dict) or spec.get("op") not in tables.SUMMARY_OPS:
                errors.add(f"/summary/{s}", "集計行は op（sum または average）で指定してください。")
                continue
            stated = {}
            for key, value in (spec.get("stated") or {}).items():
                if key not in numeric_keys:
                    errors.add(
                        f"/summary/{s}/stated/{key}",
                        f"記載値を指定できるのは数値の列だけです（{key}）。",
                    )
                    continue
                try:
                    stated[key] = tables.parse_cell(numeric_keys[key], value)
                except ValidationError as exc:
                    errors.add(f"/summary/{s}/stated/{key}", tables._message(exc))
            note = cleaning.text(spec.get("note"), f"/summary/{s}/note", errors, limit=500)
            if stated and not note:
                errors.add(f"/summary/{s}/note", "計算と異なる記載値には、理由の注記が必要です。")
            summary.append(
                {
                    "op": spec["op"],
                    "label": cleaning.text(
                        spec.get("label") or tables.SUMMARY_OPS[spec["op"]],
                        f"/summary/{s}/label",
                        errors,
                        limit=50,
                    ),
                    "stated": stated,
                    "note": note,
                }
            )
        footnotes = data.get("footnotes", [])
        if not isinstance(footnotes, list):
            errors.add("/footnotes", "注記の一覧で入力してください。")
            footnotes = []
        footnotes = [
            cleaning.text(f, f"/footnotes/{i}", errors, limit=1000) for i, f in enumerate(footnotes)
        ]
        print_columns = data.get("print_columns", 1)
        if not isinstance(print_columns, int) or not 1 <= print_columns <= 4:
            errors.add("/print_columns", "段組みは1～4で指定してください。")
            print_columns = 1
        digits = data.get("digits", "half")
        if digits not in {"half", "full"}:
            errors.add("/digits", "数字の表記は half（半角）か full（全角）です。")
        row_header = data.get("row_header", columns[0]["key"] if columns else None)
        if row_header is not None and row_header not in {c["key"] for c in columns}:
            errors.add("/row_header", f"行見出しの列「{row_header}」がありません。")
        unit = data.get("unit") or None
        if unit is not None and not isinstance(unit, str):
            errors.add("/unit", "単位は文字で指定してください。")
        caption = cleaning.text(data.get("caption"), "/caption", errors, limit=200)
        errors.raise_if_any("表")
        return {
            "caption": caption,
            "unit": unit,
            "columns": columns,
            "rows": rows,
            "summary": summary,
            "footnotes": [f for f in footnotes if f],
            "print_columns": print_columns,
            "transposed": bool(data.get("transposed", False)),
            "digits": digits,
            "row_header": row_header,
        }

    def compute(self, data: dict) -> tables.TableView:
        columns = data["columns"]
        digits = data.get("digits", "half")
        header_index = next(
            (i for i, c in enumerate(columns) if c["key"] == data.get("row_header")), None
        )
        body_values = [tables.row_values(columns, row) for row in data["rows"]]
        rows = [
            tables.Row(
                [
                    tables.Cell(
                        values[c["key"]],
                        tables.display_cell(c, values[c["key"]], digits=digits),
                        c["type"],
                        is_header=i == header_index,
                    )
                    for i, c in enumerate(columns)
                ]
            )
            for values in body_values
        ]
        for i, col in enumerate(columns):
            if col["type"] == "date":
                tables.compact_date_column([row.cells[i] for row in rows], col)
            if col.get("merge") and data.get("print_columns", 1) <= 1:
                tables.merge_repeats([row.cells[i] for row in rows])
        notes = []
        for spec in data["summary"]:
            cells = []
            for i, col in enumerate(columns):
                if i == (header_index or 0):
                    cells.append(tables.Cell(spec["label"], spec["label"], "text", is_header=True))
                    continue
                if col["type"] not in tables.NUMERIC_TYPES:
                    cells.append(tables.Cell(None, "", col["type"]))
                    continue
                column_values = [v[col["key"]] for v in body_values]
                if spec["op"] == "sum":
                    value = tables.sum_or_none(column_values)
                else:
                    value = tables.average(column_values)
                stated = spec["stated"].get(col["key"])
                display = tables.display_cell(col, value, digits=digits)
                if stated is not None and stated != value:
                    display = (
                        f"{tables.display_cell(col, stated, digits=digits)}（計算値 {display}）"
                    )
                cells.append(tables.Cell(value, display, col["type"], stated=stated))
            rows.append(tables.Row(cells, kind="total" if spec["op"] == "sum" else "average"))
            if spec["note"]:
                notes.append(spec["note"])
        groups = []
        for col in columns:
            group = col.get("group", "")
            if groups and groups[-1][0] == group:
                groups[-1] = (group, groups[-1][1] + 1)
            else:
                groups.append((group, 1))
        return tables.TableView(
            caption=data.get("caption", ""),
            columns=columns,
            rows=rows,
            unit=data.get("unit"),
            groups=groups,
            notes=data.get("footnotes", []) + notes,
            row_header=header_index,
            print_columns=data.get("print_columns", 1),
            transposed=data.get("transposed", False),
        )

    def view(self, data: dict, resolved: Any, *, depth: int) -> dict:
        return {"data": data, "table": self.compute(data)}

    def tables(self, data: dict, resolved: Any) -> list[tables.TableView]:
        return [self.compute(data)]

    def strict_problems(self, data: dict, resolved: Any) -> list[Problem]:
        problems = []
        if not data["rows"]:
            problems.append(Problem("/rows", "表に行がありません。"))
        view = self.compute(data)
        for s, spec in enumerate(data["summary"]):
            if spec["stated"] and not spec["note"]:
                problems.append(
                    Problem(f"/summary/{s}/note", "計算と異なる記載値に注記がありません。")
                )
        del view
        return problems

    def with_rows(self, data: dict, rows: list[list[Any]], *, append: bool) -> tuple[dict, int]:
        from reports.spreadsheets import fit_to_columns

        fitted, _ = fit_to_columns(rows, data["columns"], pad=True)
        existing = data.get("rows", []) if append else []
        return {**data, "rows": [*existing, *fitted]}, len(fitted)

    def clear_numbers(self, data: dict) -> dict:
        numeric = {
            c["key"] for c in data["columns"] if c["type"] in tables.NUMERIC_TYPES | {"percent"}
        }
        rows = [{k: (None if k in numeric else v) for k, v in row.items()} for row in data["rows"]]
        summary = [{**s, "stated": {}, "note": s["note"]} for s in data["summary"]]
        return {**data, "rows": rows, "summary": summary}
