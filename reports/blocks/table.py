"""Tables (表): typed columns, computed columns and summary rows, footnotes and print layouts.

The form that edits a table is in table_editor.py (a grid with column, row and paste operations).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from akiruno import cleaning
from reports import tables
from reports.blocks import BlockKind, Problem, register
from reports.blocks.table_editor import TableEditor

MAX_ROWS = 2_000


@register
class TableBlock(BlockKind):
    """A table with typed columns, computed columns and summary rows, footnotes and layouts."""

    kind = "table"
    label = "表"
    template_name = "blocks/table.html"
    editor = TableEditor()
    menu_position = 3
    accepts_rows = True
    schema = {
        "type": "object",
        "properties": {
            "caption": {"type": "string"},
            "unit": {"type": ["string", "null"]},
            "columns": {
                "type": "array",
                "items": {"$ref": "#/$defs/table_column"},
                "minItems": 1,
                "maxItems": 40,
            },
            "rows": {
                "type": "array",
                "items": {
                    "type": "object",
                    "propertyNames": {"pattern": "^[A-Za-z0-9_]+$"},
                    "additionalProperties": {
                        "anyOf": [
                            {"type": ["string", "integer", "null"]},
                            {"type": "array", "items": {"type": "string"}},
                            {
                                "type": "object",
                                "properties": {
                                    "start": {"$ref": "#/$defs/date"},
                                    "end": {"$ref": "#/$defs/date"},
                                },
                                "additionalProperties": False,
                                "required": ["start", "end"],
                            },
                        ]
                    },
                },
                "maxItems": 2000,
            },
            "summary": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "op": {"enum": ["sum", "average"]},
                        "label": {"type": "string"},
                        "stated": {
                            "type": "object",
                            "additionalProperties": {"type": ["integer", "null"]},
                        },
                        "note": {"type": "string"},
                    },
                    "additionalProperties": False,
                    "required": ["op"],
                },
            },
            "footnotes": {"type": "array", "items": {"type": "string"}},
            "print_columns": {"type": "integer", "minimum": 1, "maximum": 4},
            "transposed": {"type": "boolean"},
            "digits": {"enum": ["half", "full"]},
            "row_header": {"type": ["string", "null"]},
        },
        "additionalProperties": False,
        "required": ["columns", "rows"],
    }
    schema_defs = {
        "table_column": {
            "type": "object",
            "properties": {
                "key": {"type": "string", "pattern": "^[A-Za-z0-9_]+$"},
                "label": {"type": "string", "minLength": 1},
                "type": {
                    "enum": ["text", "integer", "amount", "date", "date_range", "percent", "lines"]
                },
                "unit": {"type": "string"},
                "group": {"type": "string"},
                "suffix": {"type": "string"},
                "places": {"type": "integer", "minimum": 0, "maximum": 6},
                "computed": {
                    "type": "object",
                    "properties": {
                        "op": {"enum": ["sum", "difference", "ratio", "product"]},
                        "of": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                    },
                    "additionalProperties": False,
                    "required": ["op", "of"],
                },
                "unit_in_cell": {"type": "boolean"},
                "merge": {"type": "boolean"},
                "within_fiscal_year": {"type": "boolean"},
                "range_style": {"enum": ["tilde", "period"]},
            },
            "additionalProperties": False,
            "required": ["key", "label", "type"],
            "allOf": [
                {
                    "if": {"properties": {"type": {"const": "amount"}}},
                    "then": {
                        "required": ["unit"],
                        "properties": {"unit": {"enum": ["円", "千円"]}},
                    },
                }
            ],
        }
    }

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
        entered = [
            c["key"]
            for c in data["columns"]
            if c["type"] in tables.NUMERIC_TYPES and not c.get("computed")
        ]
        if (
            data["rows"]
            and entered
            and all(row.get(key) in (None, "") for row in data["rows"] for key in entered)
        ):
            names = "、".join(f"「{c['label']}」" for c in data["columns"] if c["key"] in entered)
            problems.append(
                Problem("/rows/0", f"表の数値（{names}）がすべて空です。数値を入力してください。")
            )
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
