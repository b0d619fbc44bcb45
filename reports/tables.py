"""Typed tables: column types, cell parsing and display, computed columns and rows.

A table's stored data holds only typed input cells. Computed columns (sum, difference, ratio)
and summary rows (合計, 月平均) are computed here, never typed. A printed figure that
legitimately differs from the computed one is kept as a `stated` value with a note; both show.

`TableView` is the neutral, computed form of any table (a table block, a meeting table, a
finance statement): HTML, CSV and .xlsx are all written from it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError

from akiruno import numbers, wareki

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
COMPUTED_OPS = {"sum", "difference", "ratio"}


def _message(exc: ValidationError) -> str:
    return " ".join(exc.messages)


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
        if not isinstance(raw, str | int):
            raise ValidationError("文字で入力してください。")
        text = str(raw).strip()
        return text or None
    if ctype == "integer":
        if isinstance(raw, bool):
            raise ValidationError("整数で入力してください。")
        return numbers.parse_integer(raw)
    if ctype == "amount":
        if isinstance(raw, bool):
            raise ValidationError("金額は整数で入力してください。")
        return numbers.parse_amount(raw, unit=col.get("unit"))
    if ctype == "percent":
        if isinstance(raw, bool | float):
            raise ValidationError("割合は「3.3」のように文字で入力してください。")
        return str(numbers.parse_decimal(str(raw)))
    if ctype == "date":
        if isinstance(raw, dt.date):
            return raw.isoformat()
        return wareki.parse_date(str(raw)).isoformat()
    if ctype == "date_range":
        if isinstance(raw, dict):
            start, end = raw.get("start"), raw.get("end")
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
    text = _display_value(ctype, value, col, digits)
    suffix = col.get("suffix", "")
    return f"{text}{suffix}" if suffix else text


def _display_value(ctype: str, value: Any, col: dict, digits: str) -> str:
    if ctype in NUMERIC_TYPES:
        return numbers.format_integer(int(value), digits=digits)
    if ctype == "percent":
        return numbers.format_decimal(Decimal(str(value)), places=col.get("places", 1))
    if ctype == "date":
        return wareki.format_date(dt.date.fromisoformat(value))
    if ctype == "date_range":
        return wareki.format_date_range(
            dt.date.fromisoformat(value["start"]), dt.date.fromisoformat(value["end"])
        )
    if ctype == "lines":
        return "\n".join(f"・{line}" for line in value)
    return str(value)


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

    @property
    def has_groups(self) -> bool:
        return any(label for label, _ in self.groups)

    def header_labels(self) -> list[str]:
        return [header_with_unit(c, self.unit) for c in self.columns]

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
        """Body rows split for printing side by side (print_columns); summary rows go last."""
        body = [r for r in self.rows if r.kind == "body"]
        if self.print_columns <= 1:
            return [self.rows]
        size = -(-len(body) // self.print_columns)
        return [body[i : i + size] for i in range(0, len(body), size)]

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
