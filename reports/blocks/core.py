"""The built-in block kinds: narrative text, enumerated lists, counts, tables, monthly tables."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from akiruno import numbers
from akiruno.exceptions import InvalidInput
from reports import charts as chart_kit
from reports import tables
from reports.blocks import BlockKind, Problem, register

MAX_TEXT = 20_000
MAX_ROWS = 2_000
MAX_COLUMNS = 40


class Errors:
    """Collects every problem with a block's data, each at a JSON-pointer-like place."""

    def __init__(self) -> None:
        self.items: dict[str, str] = {}

    def add(self, where: str, message: str) -> None:
        self.items.setdefault(where, message)

    def raise_if_any(self, what: str) -> None:
        if self.items:
            raise InvalidInput(
                f"{what}の入力内容に誤りがあります（{len(self.items)}件）。", details=self.items
            )


def _text(
    value: Any, where: str, errors: Errors, *, required: bool = False, limit: int = MAX_TEXT
) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(where, "文字で入力してください。")
        return ""
    value = value.replace("\r\n", "\n").strip()
    if required and not value:
        errors.add(where, "入力してください。")
    if len(value) > limit:
        errors.add(where, f"{limit:,}文字以内で入力してください（{len(value):,}文字）。")
    return value


def data_object(data: Any, errors: Errors) -> dict:
    """A block's data as a dict (None is empty); anything else is an error at the root."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        errors.add("", "ブロックの内容はオブジェクトで指定してください。")
        return {}
    return data


@register
class TextBlock(BlockKind):
    kind = "text"
    label = "本文"
    template_name = "blocks/text.html"

    def clean(self, data: Any) -> dict:
        errors = Errors()
        data = data_object(data, errors)
        paragraphs = data.get("paragraphs", [])
        if isinstance(paragraphs, str):
            paragraphs = [p for p in paragraphs.replace("\r\n", "\n").split("\n")]
        if not isinstance(paragraphs, list):
            errors.add("/paragraphs", "段落の一覧で入力してください。")
            paragraphs = []
        cleaned = [_text(p, f"/paragraphs/{i}", errors) for i, p in enumerate(paragraphs)]
        errors.raise_if_any("本文")
        return {"paragraphs": [p for p in cleaned if p], "inline": bool(data.get("inline", False))}

    def view(self, data: dict, resolved: Any, *, depth: int) -> dict:
        paragraphs = list(data["paragraphs"])
        inline = ""
        if data.get("inline") and paragraphs:
            inline = paragraphs.pop(0)
        return {"data": data, "paragraphs": paragraphs, "inline": inline}

    def strict_problems(self, data: dict, resolved: Any) -> list[Problem]:
        if not data.get("paragraphs"):
            return [Problem("/paragraphs", "本文が空です。")]
        return []


@register
class ListBlock(BlockKind):
    """An enumerated list （ア）（イ）… numbered one level below its item, or bullets (・)."""

    kind = "list"
    label = "列挙"
    template_name = "blocks/list.html"

    def clean(self, data: Any) -> dict:
        errors = Errors()
        data = data_object(data, errors)
        entries = data.get("entries", [])
        if isinstance(entries, str):
            entries = entries.splitlines()
        if not isinstance(entries, list):
            errors.add("/entries", "項目の一覧で入力してください。")
            entries = []
        cleaned = [_text(e, f"/entries/{i}", errors, limit=2000) for i, e in enumerate(entries)]
        style = data.get("style", "numbered")
        if style not in {"numbered", "bullet"}:
            errors.add("/style", "番号付き（numbered）か中黒（bullet）を選んでください。")
        errors.raise_if_any("列挙")
        return {"entries": [e for e in cleaned if e], "style": style}

    def view(self, data: dict, resolved: Any, *, depth: int) -> dict:
        from akiruno.numbering import MAX_DEPTH, label

        entries = []
        for index, text in enumerate(data["entries"], start=1):
            mark = label(min(depth + 1, MAX_DEPTH), index) if data["style"] == "numbered" else "・"
            entries.append({"label": mark, "text": text})
        return {"data": data, "entries": entries}

    def strict_problems(self, data: dict, resolved: Any) -> list[Problem]:
        return [] if data.get("entries") else [Problem("/entries", "列挙の項目がありません。")]


@register
class CountsBlock(BlockKind):
    """Count statements: 協議会 ２回, 投票数 ４，１１９票, optionally numbered and with a total.

    `total` (optional) prints the sum of the entries after a label; `compare` records a figure
    the sum legitimately differs from (letters received vs fields touched) with its note.
    """

    kind = "counts"
    label = "件数"
    template_name = "blocks/counts.html"

    def clean(self, data: Any) -> dict:
        errors = Errors()
        data = data_object(data, errors)
        raw_entries = data.get("entries", [])
        if not isinstance(raw_entries, list):
            errors.add("/entries", "件数の一覧で入力してください。")
            raw_entries = []
        entries = []
        for i, entry in enumerate(raw_entries):
            if not isinstance(entry, dict):
                errors.add(f"/entries/{i}", "ラベル・数・単位で入力してください。")
                continue
            value = None
            raw_value = entry.get("value")
            if raw_value not in (None, ""):
                try:
                    value = numbers.parse_integer(raw_value)
                except ValidationError as exc:
                    errors.add(f"/entries/{i}/value", tables._message(exc))
            entries.append(
                {
                    "label": _text(entry.get("label"), f"/entries/{i}/label", errors, limit=200),
                    "value": value,
                    "unit": _text(entry.get("unit"), f"/entries/{i}/unit", errors, limit=20),
                    "note": _text(entry.get("note"), f"/entries/{i}/note", errors, limit=500),
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
                compare = total.get("compare")
                if compare not in (None, ""):
                    try:
                        compare = numbers.parse_integer(compare)
                    except ValidationError as exc:
                        errors.add("/total/compare", tables._message(exc))
                        compare = None
                else:
                    compare = None
                total = {
                    "label": _text(total.get("label"), "/total/label", errors, limit=200),
                    "unit": _text(total.get("unit"), "/total/unit", errors, limit=20),
                    "note": _text(total.get("note"), "/total/note", errors, limit=500),
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

    def clear_numbers(self, data: dict) -> dict:
        entries = [
            {**e, "value": None, "extra": [{**x, "value": None} for x in e.get("extra", [])]}
            for e in data["entries"]
        ]
        total = data.get("total")
        if total:
            total = {**total, "compare": None}
        return {**data, "entries": entries, "total": total}


def _clean_extra(raw: Any, where: str, errors: Errors) -> list[dict]:
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
        value = None
        if extra.get("value") not in (None, ""):
            try:
                value = numbers.parse_integer(extra.get("value"))
            except ValidationError as exc:
                errors.add(f"{where}/{j}/value", tables._message(exc))
        sep = extra.get("separator", "")
        if sep not in ("", "、"):
            errors.add(f"{where}/{j}/separator", "区切りは なし か「、」です。")
            sep = ""
        out.append(
            {
                "value": value,
                "unit": _text(extra.get("unit"), f"{where}/{j}/unit", errors, limit=20),
                "separator": sep,
            }
        )
    return out


def _clean_columns(raw: Any, errors: Errors) -> list[dict]:
    if not isinstance(raw, list) or not raw:
        errors.add("/columns", "列を1つ以上定義してください。")
        return []
    if len(raw) > MAX_COLUMNS:
        errors.add("/columns", f"列は{MAX_COLUMNS}列までです。")
        return []
    columns, keys = [], set()
    for i, col in enumerate(raw):
        where = f"/columns/{i}"
        if not isinstance(col, dict):
            errors.add(where, "列の定義が正しくありません。")
            continue
        key = col.get("key")
        if not isinstance(key, str) or not key or not key.replace("_", "").isalnum():
            errors.add(f"{where}/key", "列のキーは半角英数字で指定してください。")
            continue
        if key in keys:
            errors.add(f"{where}/key", f"列のキー「{key}」が重複しています。")
        keys.add(key)
        ctype = col.get("type", "text")
        if ctype not in tables.COLUMN_TYPES:
            errors.add(
                f"{where}/type",
                f"列の型「{ctype}」は使えません。使える型: {'、'.join(tables.COLUMN_TYPES)}",
            )
        unit = col.get("unit") or None
        if ctype == "amount" and unit not in tables.AMOUNT_UNITS:
            errors.add(f"{where}/unit", "金額の列には単位（円 または 千円）を指定してください。")
        clean = {
            "key": key,
            "label": _text(col.get("label"), f"{where}/label", errors, required=True, limit=100),
            "type": ctype,
        }
        for opt in ("unit", "group", "suffix"):
            if col.get(opt):
                clean[opt] = _text(col.get(opt), f"{where}/{opt}", errors, limit=100)
        for flag in ("unit_in_cell", "merge", "within_fiscal_year"):
            if col.get(flag):
                clean[flag] = True
        if col.get("range_style") not in (None, "", "tilde", "period"):
            errors.add(
                f"{where}/range_style", "期間の書き方は tilde（～）か period（から…まで）です。"
            )
        elif col.get("range_style") == "period":
            clean["range_style"] = "period"
        computed = col.get("computed")
        if computed is not None:
            if (
                not isinstance(computed, dict)
                or computed.get("op") not in tables.COMPUTED_OPS
                or not isinstance(computed.get("of"), list)
            ):
                errors.add(
                    f"{where}/computed",
                    "計算列は op（sum / difference / ratio / product）と of（列キーの一覧）で指定してください。",
                )
            else:
                clean["computed"] = {"op": computed["op"], "of": [str(k) for k in computed["of"]]}
        columns.append(clean)
    for i, col in enumerate(columns):
        for key in col.get("computed", {}).get("of", []):
            if key not in keys:
                errors.add(
                    f"/columns/{i}/computed/of", f"計算のもとになる列「{key}」がありません。"
                )
    return columns


@register
class TableBlock(BlockKind):
    """A table with typed columns, computed columns and summary rows, footnotes and layouts."""

    kind = "table"
    label = "表"
    template_name = "blocks/table.html"

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
        errors = Errors()
        data = data_object(data, errors)
        columns = _clean_columns(data.get("columns"), errors)
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
            note = _text(spec.get("note"), f"/summary/{s}/note", errors, limit=500)
            if stated and not note:
                errors.add(f"/summary/{s}/note", "計算と異なる記載値には、理由の注記が必要です。")
            summary.append(
                {
                    "op": spec["op"],
                    "label": _text(
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
            _text(f, f"/footnotes/{i}", errors, limit=1000) for i, f in enumerate(footnotes)
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
        caption = _text(data.get("caption"), "/caption", errors, limit=200)
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
        body_values = [self._row_values(columns, row) for row in data["rows"]]
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

    @staticmethod
    def _row_values(columns: list[dict], row: dict) -> dict:
        values = dict(row)
        for col in columns:
            computed = col.get("computed")
            if not computed:
                continue
            operands = [values.get(k) for k in computed["of"]]
            if computed["op"] == "sum":
                values[col["key"]] = tables.sum_or_none(operands)
            elif computed["op"] == "difference":
                a, b = [*operands, None, None][:2]
                values[col["key"]] = None if a is None or b is None else a - b
            elif computed["op"] == "ratio":
                a, b = [*operands, None, None][:2]
                ratio = None if a is None or b is None else numbers.ratio_percent(a, b)
                values[col["key"]] = None if ratio is None else str(ratio)
            elif computed["op"] == "product":
                values[col["key"]] = (
                    None
                    if not operands or any(v is None for v in operands)
                    else math.prod(operands)
                )
        return values

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

    def clear_numbers(self, data: dict) -> dict:
        numeric = {
            c["key"] for c in data["columns"] if c["type"] in tables.NUMERIC_TYPES | {"percent"}
        }
        rows = [{k: (None if k in numeric else v) for k, v in row.items()} for row in data["rows"]]
        summary = [{**s, "stated": {}, "note": s["note"]} for s in data["summary"]]
        return {**data, "rows": rows, "summary": summary}


@register
class MonthlyTableBlock(BlockKind):
    """The fiscal-month preset: ４月 … ３月 with 合計 and/or 月平均, one or more measures."""

    kind = "monthly_table"
    label = "月別表"
    template_name = "blocks/monthly_table.html"
    # One chart per measure over ４月…３月; bars by default ("none" turns them off).
    chart_kinds = ("bar", "line")

    def blank_data(self) -> dict:
        return self.clean(
            {"measures": [{"label": "件数", "values": [None] * 12}], "summary": ["sum"]}
        )

    def clean(self, data: Any) -> dict:
        errors = Errors()
        data = data_object(data, errors)
        raw_measures = data.get("measures", [])
        if not isinstance(raw_measures, list) or not raw_measures:
            errors.add("/measures", "項目（件数など）を1つ以上入力してください。")
            raw_measures = []
        measures = []
        for m, measure in enumerate(raw_measures):
            if not isinstance(measure, dict):
                errors.add(f"/measures/{m}", "項目の形式が正しくありません。")
                continue
            values = measure.get("values", [])
            if not isinstance(values, list) or len(values) != 12:
                errors.add(
                    f"/measures/{m}/values", "４月から３月までの12か月分を入力してください。"
                )
                values = [None] * 12
            parsed = []
            for i, value in enumerate(values):
                try:
                    parsed.append(tables.parse_cell({"type": "integer"}, value))
                except ValidationError as exc:
                    month = (i + 3) % 12 + 1
                    errors.add(f"/measures/{m}/values/{i}", f"{month}月: {tables._message(exc)}")
                    parsed.append(None)
            measures.append(
                {
                    "label": _text(
                        measure.get("label"),
                        f"/measures/{m}/label",
                        errors,
                        required=True,
                        limit=50,
                    ),
                    "unit": _text(measure.get("unit"), f"/measures/{m}/unit", errors, limit=20),
                    "values": parsed,
                }
            )
        summary = data.get("summary", ["sum"])
        if not isinstance(summary, list) or any(s not in tables.SUMMARY_OPS for s in summary):
            errors.add("/summary", "集計は sum（合計）・average（月平均）から選んでください。")
            summary = []
        split = data.get("split", 1)
        if split not in (1, 2):
            errors.add("/split", "分割は1（1段）か2（上期・下期の2段）です。")
            split = 1
        digits = data.get("digits", "half")
        if digits not in {"half", "full"}:
            errors.add("/digits", "数字の表記は half（半角）か full（全角）です。")
        caption = _text(data.get("caption"), "/caption", errors, limit=200)
        row_label = _text(data.get("row_label") or "月", "/row_label", errors, limit=20)
        chart = chart_kit.clean_chart(data.get("chart"), self.chart_kinds, errors.add)
        errors.raise_if_any("月別表")
        cleaned = {
            "caption": caption,
            "measures": measures,
            "summary": summary,
            "split": split,
            "digits": digits,
            "row_label": row_label,
        }
        # The choice is stored only when made: older content has none and gets the default.
        return {**cleaned, "chart": chart} if chart is not None else cleaned

    def charts(self, data: dict, computed: dict) -> list[chart_kit.Chart]:
        """One chart per measure (each on its own scale), in the order of the table's rows."""
        kind = chart_kit.chosen(data, self.chart_kinds)
        if kind == "none":
            return []
        caption = data.get("caption") or ""
        drawn = []
        for measure in computed["measures"]:
            if all(v is None for v in measure["values"]):
                continue
            if len(computed["measures"]) == 1:
                title = caption or measure["label"]
            else:
                title = f"{caption}（{measure['label']}）" if caption else measure["label"]
            drawn.append(
                chart_kit.month_chart(
                    kind=kind,
                    title=title,
                    month_labels=computed["month_labels"],
                    values=measure["values"],
                    unit=measure["unit"] or "",
                )
            )
        return drawn

    def compute(self, data: dict) -> dict:
        """Per measure: the 12 values and the computed summaries, all as display strings."""
        from akiruno.wareki import to_fullwidth_digits

        digits = data.get("digits", "half")
        months = [(i + 3) % 12 + 1 for i in range(12)]
        month_labels = [to_fullwidth_digits(str(m)) for m in months]
        measures = []
        for measure in data["measures"]:
            summaries = {}
            for op in data["summary"]:
                value = (
                    tables.sum_or_none(measure["values"])
                    if op == "sum"
                    else tables.average(measure["values"])
                )
                summaries[op] = value
            measures.append(
                {
                    "label": measure["label"],
                    "unit": measure["unit"],
                    "values": measure["values"],
                    "display": [
                        numbers.format_integer(v, digits=digits) for v in measure["values"]
                    ],
                    "summaries": summaries,
                    "summary_display": {
                        op: numbers.format_integer(v, digits=digits) for op, v in summaries.items()
                    },
                }
            )
        return {"months": months, "month_labels": month_labels, "measures": measures}

    def view(self, data: dict, resolved: Any, *, depth: int) -> dict:
        computed = self.compute(data)
        halves = []
        parts = [(0, 12)] if data["split"] == 1 else [(0, 6), (6, 12)]
        for part_index, (start, end) in enumerate(parts):
            labels = computed["month_labels"][start:end]
            rows = []
            for measure in computed["measures"]:
                rows.append(
                    {
                        "label": measure["label"],
                        "values": measure["display"][start:end],
                        "summaries": [],
                    }
                )
            halves.append(
                {
                    "labels": labels,
                    "rows": rows,
                    "summary_labels": [],
                    "last": part_index == len(parts) - 1,
                }
            )
        # Summaries: one per half when split (月平均 in the first, 合計 in the second, as printed),
        # or all at the end of a single row.
        ops = data["summary"]
        if data["split"] == 2 and len(ops) == 2:
            assignment = [["average"], ["sum"]] if "average" in ops else [ops[:1], ops[1:]]
        else:
            assignment = [[] for _ in halves]
            assignment[-1] = list(ops)
        for half, half_ops in zip(halves, assignment, strict=True):
            half["summary_labels"] = [tables.SUMMARY_OPS[op] for op in half_ops]
            for row, measure in zip(half["rows"], computed["measures"], strict=True):
                row["summaries"] = [measure["summary_display"][op] for op in half_ops]
        return {"data": data, "halves": halves, "charts": self.charts(data, computed)}

    def tables(self, data: dict, resolved: Any) -> list[tables.TableView]:
        computed = self.compute(data)
        columns = [{"key": "month", "label": "月", "type": "text"}] + [
            {"key": f"m{i}", "label": f"{m['label']}", "type": "integer", "unit": m["unit"] or None}
            for i, m in enumerate(computed["measures"])
        ]
        rows = []
        for index, month in enumerate(computed["months"]):
            cells = [tables.Cell(f"{month}月", f"{month}月", "text", is_header=True)]
            for m in computed["measures"]:
                cells.append(tables.Cell(m["values"][index], m["display"][index], "integer"))
            rows.append(tables.Row(cells))
        for op in data["summary"]:
            label = tables.SUMMARY_OPS[op]
            cells = [tables.Cell(label, label, "text", is_header=True)]
            for m in computed["measures"]:
                value = m["summaries"][op]
                cells.append(
                    tables.Cell(
                        int(value) if isinstance(value, Decimal) else value,
                        m["summary_display"][op],
                        "integer",
                    )
                )
            rows.append(tables.Row(cells, kind="total" if op == "sum" else "average"))
        return [tables.TableView(caption=data.get("caption", ""), columns=columns, rows=rows)]

    def strict_problems(self, data: dict, resolved: Any) -> list[Problem]:
        problems = []
        for m, measure in enumerate(data["measures"]):
            if all(v is None for v in measure["values"]):
                problems.append(
                    Problem(
                        f"/measures/{m}/values", f"「{measure['label']}」の値が入力されていません。"
                    )
                )
        return problems

    def clear_numbers(self, data: dict) -> dict:
        return {**data, "measures": [{**m, "values": [None] * 12} for m in data["measures"]]}
