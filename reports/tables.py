"""Typed tables: column types, cell parsing and display, computed columns and rows.

A table's stored data holds only typed input cells. Computed columns (sum, difference, ratio)
and summary rows (合計, 月平均) are computed here, never typed. A printed figure that
legitimately differs from the computed one is kept as a `stated` value with a note; both show.

`TableView` is the neutral, computed form of any table (a table block, a meeting table, a
finance statement): HTML, CSV and .xlsx are all written from it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError

from akiruno import cleaning, numbers, wareki

COLUMN_TYPES = {
    "text": "文字",
    "integer": "整数",
    "amount": "金額",
    "date": "日付",
    "date_range": "期間",
    "percent": "割合（％）",
    "lines": "箇条書き",
}
NUMERIC_TYPES = {"integer", "amount"}
AMOUNT_UNITS = {"円", "千円"}
SUMMARY_OPS = {"sum": "合計", "average": "月平均"}
COMPUTED_OPS = {"sum", "difference", "ratio", "product"}


def _message(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _json_type(raw: Any) -> str:
    """What a wrongly typed JSON value is, in the words of the message: 「小数 1.5」."""
    if isinstance(raw, bool):
        return f"真偽値 {'true' if raw else 'false'} "
    if isinstance(raw, float):
        return f"小数 {raw!r} "
    if isinstance(raw, list | tuple):
        return "リスト（[…]）"
    if isinstance(raw, dict):
        return "オブジェクト（{…}）"
    if isinstance(raw, int):
        return f"数値 {raw} "
    return f"{type(raw).__name__} 型の値"


def parse_cell(col: dict, raw: Any) -> Any:
    """Turn one input value (a string from a form or paste, or a JSON value) into a typed cell.

    Raises django ValidationError with a Japanese message naming the value.
    """
    ctype = col.get("type", "text")
    if raw is None:
        return None
    if isinstance(raw, str) and raw.strip() in {"", "－", "-", "―", "‐"} and ctype != "text":
        return None
    if ctype == "text":
        if isinstance(raw, bool) or not isinstance(raw, str | int):
            raise ValidationError(f"文字で入力してください（{_json_type(raw)}は使えません）。")
        text = str(raw).strip()
        return text or None
    if ctype == "integer":
        if isinstance(raw, bool) or not isinstance(raw, str | int):
            raise ValidationError(f"整数で入力してください（{_json_type(raw)}は使えません）。")
        return numbers.parse_integer(raw)
    if ctype == "amount":
        if isinstance(raw, bool) or not isinstance(raw, str | int):
            raise ValidationError(
                f"金額は整数で入力してください（{_json_type(raw)}は使えません）。"
            )
        return numbers.parse_amount(raw, unit=col.get("unit"))
    if ctype == "percent":
        if isinstance(raw, bool) or not isinstance(raw, str | int):
            raise ValidationError(
                f"割合は「3.3」のように文字で入力してください（{_json_type(raw)}は使えません）。"
            )
        return str(numbers.parse_decimal(str(raw)))
    if ctype == "date":
        if isinstance(raw, dt.date):
            return raw.isoformat()
        if not isinstance(raw, str):
            raise ValidationError(
                f"日付は「2024-07-19」のように文字で入力してください（{_json_type(raw)}は使えません）。"
            )
        return wareki.parse_date(raw).isoformat()
    if ctype == "date_range":
        if isinstance(raw, dict):
            start, end = raw.get("start"), raw.get("end")
            if not isinstance(start, str) or not isinstance(end, str):
                raise ValidationError(
                    "期間は start と end に「2024-07-19」のような日付の文字で指定してください。"
                )
        elif isinstance(raw, str):
            parts = [p for p in _split_range(raw) if p]
            if len(parts) != 2:
                raise ValidationError(
                    f"「{raw}」は期間として読めません。「2024-07-19～2024-08-13」のように入力してください。"
                )
            start, end = parts
        else:
            raise ValidationError("期間は開始日と終了日で入力してください。")
        start_d = wareki.parse_date(str(start))
        end_d = wareki.parse_date(str(end))
        if end_d < start_d:
            raise ValidationError(
                f"期間の終了日（{end_d.isoformat()}）が開始日（{start_d.isoformat()}）より前です。"
            )
        return {"start": start_d.isoformat(), "end": end_d.isoformat()}
    if ctype == "lines":
        if isinstance(raw, str):
            lines = [line.strip().lstrip("・").strip() for line in raw.splitlines()]
        elif isinstance(raw, list) and all(isinstance(x, str) for x in raw):
            lines = [x.strip() for x in raw]
        else:
            raise ValidationError("箇条書きは1行に1項目で入力してください。")
        lines = [line for line in lines if line]
        return lines or None
    raise ValidationError(f"列の型「{ctype}」は使えません。")


def _split_range(text: str) -> list[str]:
    for sep in ("～", "〜", "~", "から"):
        if sep in text:
            left, right = text.split(sep, 1)
            return [left.strip(), right.replace("まで", "").strip()]
    return [text]


def display_cell(col: dict, value: Any, *, digits: str = "half") -> str:
    """The printed form of a typed cell."""
    ctype = col.get("type", "text")
    if value is None:
        return "" if ctype in {"text", "lines"} else "－"
    suffix = col.get("suffix", "")
    if ctype in NUMERIC_TYPES:
        text = numbers.format_integer(int(value), digits=digits)
        unit = col.get("unit", "") if col.get("unit_in_cell") else ""
        return f"{text}{unit}{suffix}"
    if ctype == "percent":
        return numbers.format_decimal(Decimal(str(value)), places=col.get("places", 1)) + suffix
    if ctype == "date":
        return wareki.format_date(dt.date.fromisoformat(value)) + suffix
    if ctype == "date_range":
        start, end = dt.date.fromisoformat(value["start"]), dt.date.fromisoformat(value["end"])
        if col.get("range_style") == "period":
            return wareki.format_period(start, end) + suffix
        return wareki.format_date_range(start, end) + suffix
    if ctype == "lines":
        return "\n".join(f"・{line}" for line in value)
    return f"{value}{suffix}"


def outside_fiscal_year(col: dict, value: Any, fiscal_year: int) -> str | None:
    """Why a date (or period) cell falls outside the fiscal year, or None when it is within."""
    from akiruno.fiscal import fiscal_year_range

    if value is None or col.get("type") not in {"date", "date_range"}:
        return None
    first, last = fiscal_year_range(fiscal_year)
    dates = [value] if col["type"] == "date" else [value["start"], value["end"]]
    for iso in dates:
        d = dt.date.fromisoformat(iso)
        if not first <= d <= last:
            return (
                f"{wareki.format_date(d)}は{wareki.format_fiscal_year(fiscal_year)}"
                f"（{wareki.format_date(first)}～{wareki.format_date(last)}）の期間外です。"
                "この年度の日付を入力してください。"
            )
    return None


def compact_date_column(cells: list[Cell], col: dict) -> None:
    """Print a date column as the report does: the era-year only on the first row of each
    year and the month only when it changes (令和６年１０月３日, ６日, １１月２日)."""
    if col.get("suffix"):
        return
    dated = [(cell, dt.date.fromisoformat(cell.value)) for cell in cells if cell.value]
    texts = wareki.format_date_column([d for _, d in dated])
    for (cell, _), (year, month_day) in zip(dated, texts, strict=True):
        cell.display = f"{year}{month_day}"


def merge_repeats(cells: list[Cell]) -> None:
    """Merge runs of equal, non-empty cells in a column into one cell spanning the rows."""
    start = 0
    while start < len(cells):
        end = start + 1
        while (
            end < len(cells) and cells[start].display and cells[end].display == cells[start].display
        ):
            end += 1
        if end - start > 1:
            cells[start].rowspan = end - start
            for cell in cells[start + 1 : end]:
                cell.hidden = True
        start = end


def csv_value(col: dict, value: Any) -> str:
    """The open-data form of a typed cell: no commas or △, minus signs, ISO dates."""
    ctype = col.get("type", "text")
    if value is None:
        return ""
    if ctype in NUMERIC_TYPES:
        return str(int(value))
    if ctype == "date_range":
        return f"{value['start']}/{value['end']}"
    if ctype == "lines":
        return "\n".join(value)
    return str(value)


def header_with_unit(col: dict, table_unit: str | None = None) -> str:
    unit = col.get("unit") or (table_unit if col.get("type") in NUMERIC_TYPES else None)
    if col.get("type") == "percent":
        unit = "％"
    return f"{col['label']}（{unit}）" if unit else col["label"]


@dataclass
class Cell:
    value: Any
    display: str
    type: str = "text"
    is_header: bool = False
    stated: Any = None  # a printed figure that differs from the computed value
    css: str = ""
    rowspan: int = 1  # > 1 when equal cells below are merged into this one
    hidden: bool = False  # merged into a cell above

    @property
    def numeric(self) -> bool:
        return self.type in NUMERIC_TYPES or self.type == "percent"

    @property
    def lines(self) -> list[str]:
        return self.display.split("\n") if self.display else []


@dataclass
class Row:
    cells: list[Cell]
    kind: str = "body"  # body | total | average | subtotal


@dataclass
class TableView:
    """A computed table, ready for HTML, CSV and .xlsx."""

    caption: str
    columns: list[dict]
    rows: list[Row]
    unit: str | None = None
    groups: list[tuple[str, int]] = field(default_factory=list)  # header groups over columns
    notes: list[str] = field(default_factory=list)
    row_header: int | None = 0
    print_columns: int = 1
    transposed: bool = False
    slug: str = ""
    # A caption supplied for screen readers (taken from the heading), not printed.
    caption_hidden: bool = False

    @property
    def has_groups(self) -> bool:
        return any(label for label, _ in self.groups)

    def header_labels(self) -> list[str]:
        return [header_with_unit(c, self.unit) for c in self.columns]

    def display_headers(self) -> list[str]:
        """Column headings as printed: a column's own unit follows its label unless the
        unit is printed in the cells or the whole table states one （単位：千円）."""
        out = []
        for col in self.columns:
            unit = col.get("unit")
            if unit and not col.get("unit_in_cell") and not self.unit:
                out.append(f"{col['label']}（{unit}）")
            elif col.get("type") == "percent" and not self.unit:
                out.append(f"{col['label']}（％）")
            else:
                out.append(col["label"])
        return out

    def csv_rows(self) -> list[list[str]]:
        """One header row, one value per cell, computed rows included and labelled."""
        out = [self.header_labels()]
        for row in self.rows:
            out.append(
                [
                    csv_value(col, cell.value)
                    for col, cell in zip(self.columns, row.cells, strict=True)
                ]
            )
        return out

    def chunks(self) -> list[list[Row]]:
        """Body rows split for printing side by side (print_columns); summary rows go last.

        The rows are shared out as evenly as possible, the first chunks taking one more:
        25 rows in 3 columns print as 9, 8 and 8, as the report does.
        """
        body = [r for r in self.rows if r.kind == "body"]
        if self.print_columns <= 1:
            return [self.rows]
        count = min(self.print_columns, max(len(body), 1))
        base, extra = divmod(len(body), count)
        out, start = [], 0
        for index in range(count):
            size = base + (1 if index < extra else 0)
            out.append(body[start : start + size])
            start += size
        return out

    def side_by_side_rows(self) -> list[list[Cell | None]]:
        """The printed rows of a table set in several columns: chunk cells side by side,
        None where a shorter chunk has no row."""
        chunks = self.chunks()
        height = max((len(c) for c in chunks), default=0)
        width = len(self.columns)
        out = []
        for r in range(height):
            cells: list[Cell | None] = []
            for chunk in chunks:
                cells.extend(chunk[r].cells if r < len(chunk) else [None] * width)
            out.append(cells)
        return out

    def side_by_side_headers(self) -> list[str]:
        return self.display_headers() * len(self.chunks())

    def transposed_rows(self) -> list[tuple[str, list[Cell]]]:
        """For printing with the records as columns: (field label, one cell per record)."""
        out = []
        for index, col in enumerate(self.columns):
            if index == self.row_header:
                continue
            out.append((col["label"], [row.cells[index] for row in self.rows]))
        return out

    def record_headers(self) -> list[Cell]:
        index = self.row_header or 0
        return [row.cells[index] for row in self.rows]


def sum_or_none(values: list[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def average(values: list[int | None], places: int = 0) -> Decimal | int | None:
    """Arithmetic mean rounded half-up; over the months that have a value."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    exponent = Decimal(1).scaleb(-places)
    mean = (Decimal(sum(present)) / Decimal(len(present))).quantize(
        exponent, rounding=ROUND_HALF_UP
    )
    return int(mean) if places == 0 else mean


# -- column specs and computed columns ------------------------------------------------------

MAX_COLUMNS = 40


def clean_columns(raw: Any, errors: cleaning.Errors) -> list[dict]:
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
        if ctype not in COLUMN_TYPES:
            errors.add(
                f"{where}/type",
                f"列の型「{ctype}」は使えません。使える型: {'、'.join(COLUMN_TYPES)}",
            )
        unit = col.get("unit") or None
        if ctype == "amount" and unit not in AMOUNT_UNITS:
            errors.add(f"{where}/unit", "金額の列には単位（円 または 千円）を指定してください。")
        clean = {
            "key": key,
            "label": cleaning.text(
                col.get("label"), f"{where}/label", errors, required=True, limit=100
            ),
            "type": ctype,
        }
        for opt in ("unit", "group", "suffix"):
            if col.get(opt):
                clean[opt] = cleaning.text(col.get(opt), f"{where}/{opt}", errors, limit=100)
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
                or computed.get("op") not in COMPUTED_OPS
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


def row_values(columns: list[dict], row: dict) -> dict:
    values = dict(row)
    for col in columns:
        computed = col.get("computed")
        if not computed:
            continue
        operands = [values.get(k) for k in computed["of"]]
        if computed["op"] == "sum":
            values[col["key"]] = sum_or_none(operands)
        elif computed["op"] == "difference":
            a, b = [*operands, None, None][:2]
            values[col["key"]] = None if a is None or b is None else a - b
        elif computed["op"] == "ratio":
            a, b = [*operands, None, None][:2]
            ratio = None if a is None or b is None else numbers.ratio_percent(a, b)
            values[col["key"]] = None if ratio is None else str(ratio)
        elif computed["op"] == "product":
            values[col["key"]] = (
                None if not operands or any(v is None for v in operands) else math.prod(operands)
            )
    return values
