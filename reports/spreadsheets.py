"""Tables in and out of spreadsheets: .xlsx download, .xlsx upload, cells pasted from Excel.

Reading never trusts the file: its size is checked before it is opened, it must be a real
.xlsx (a zip with a workbook in it), and sheets larger than a table can hold are refused.
Every refusal is an InvalidInput with a Japanese message saying what is accepted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from typing import IO, Any

from django.conf import settings

from akiruno.exceptions import InvalidInput
from reports import tables as t

MAX_SHEET_ROWS = 2_000
MAX_SHEET_COLUMNS = 40
NUMBER_FORMAT = '#,##0;"△"#,##0'


def _openpyxl():
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - openpyxl is a pinned dependency
        raise RuntimeError(
            "openpyxl がインストールされていません。requirements.lock から導入してください。"
        ) from exc
    return openpyxl


# -- out ---------------------------------------------------------------------------------------


def _sheet_title(text: str, used: set[str]) -> str:
    bad = "[]:*?/\\"
    title = "".join("_" if ch in bad else ch for ch in (text or "表")).strip()[:28] or "表"
    base, n = title, 2
    while title in used:
        title = f"{base[:25]}_{n}"
        n += 1
    used.add(title)
    return title


def tables_to_xlsx(views: list[t.TableView], *, title: str = "表") -> bytes:
    """Write each TableView to its own sheet: typed values, computed rows in bold."""
    openpyxl = _openpyxl()
    from openpyxl.styles import Alignment, Font

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for index, view in enumerate(views or []):
        sheet = workbook.create_sheet(_sheet_title(view.caption or f"{title}{index + 1}", used))
        row_no = 1
        if view.caption:
            sheet.cell(row=row_no, column=1, value=view.caption).font = Font(bold=True)
            row_no += 1
        if view.unit:
            sheet.cell(row=row_no, column=1, value=f"（単位：{view.unit}）")
            row_no += 1
        if view.has_groups:
            col_no = 1
            for label, span in view.groups:
                if label:
                    sheet.cell(row=row_no, column=col_no, value=label).font = Font(bold=True)
                    if span > 1:
                        sheet.merge_cells(
                            start_row=row_no,
                            start_column=col_no,
                            end_row=row_no,
                            end_column=col_no + span - 1,
                        )
                col_no += span
            row_no += 1
        for col_no, label in enumerate(view.header_labels(), start=1):
            cell = sheet.cell(row=row_no, column=col_no, value=label)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", wrap_text=True)
        header_row = row_no
        row_no += 1
        for row in view.rows:
            for col_no, (col, cell_view) in enumerate(
                zip(view.columns, row.cells, strict=True), start=1
            ):
                value = _xlsx_value(col, cell_view)
                cell = sheet.cell(row=row_no, column=col_no, value=value)
                if isinstance(value, int):
                    cell.number_format = NUMBER_FORMAT
                if isinstance(value, str) and "\n" in value:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                if row.kind != "body":
                    cell.font = Font(bold=True)
            row_no += 1
        for note in view.notes:
            sheet.cell(row=row_no, column=1, value=note)
            row_no += 1
        sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
        for col_no, label in enumerate(view.header_labels(), start=1):
            letter = openpyxl.utils.get_column_letter(col_no)
            sheet.column_dimensions[letter].width = max(10, min(48, len(label) * 2 + 4))
    if not workbook.sheetnames:
        workbook.create_sheet("表")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_value(col: dict, cell: t.Cell) -> Any:
    ctype = col.get("type", "text")
    if cell.value is None:
        return None
    if ctype in t.NUMERIC_TYPES:
        return int(cell.value)
    if ctype == "date":
        return dt.date.fromisoformat(cell.value)
    if ctype == "lines":
        return "\n".join(cell.value)
    if ctype == "date_range":
        return cell.display
    return str(cell.value)


# -- in ----------------------------------------------------------------------------------------


def _size_mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def read_xlsx(upload: IO[bytes], *, size: int | None = None) -> list[list[Any]]:
    """Read the first sheet of an uploaded .xlsx into rows of plain values.

    Refuses files over settings.MAX_SPREADSHEET_UPLOAD_BYTES, files that are not .xlsx, and
    sheets over MAX_SHEET_ROWS rows or MAX_SHEET_COLUMNS columns. Empty trailing rows and
    columns are dropped. Numbers come back as int (or str when not whole), dates as ISO text.
    """
    limit = settings.MAX_SPREADSHEET_UPLOAD_BYTES
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
    upload.seek(0)
    if size > limit:
        raise InvalidInput(
            f"ファイルが大きすぎます（{_size_mb(size)}）。{_size_mb(limit)}までの .xlsx ファイルを選んでください。",
            details={"file": "ファイルが大きすぎます。"},
        )
    if size == 0:
        raise InvalidInput("ファイルが空です。", details={"file": "空のファイルです。"})
    head = upload.read(4)
    upload.seek(0)
    if head != b"PK\x03\x04" or not zipfile.is_zipfile(upload):
        raise InvalidInput(
            "このファイルは Excel ブック（.xlsx）ではありません。Excel で「Excel ブック (*.xlsx)」"
            "として保存したファイルを選んでください（.xls・.csv は読み込めません）。",
            details={"file": ".xlsx 形式ではありません。"},
        )
    upload.seek(0)
    openpyxl = _openpyxl()
    try:
        workbook = openpyxl.load_workbook(upload, read_only=True, data_only=True)
    except Exception:
        raise InvalidInput(
            "Excel ブック（.xlsx）として読み込めませんでした。ファイルが壊れていないか、"
            "パスワードが掛かっていないか確認してください。",
            details={"file": "読み込めません。"},
        ) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise InvalidInput(
                "ブックにシートがありません。", details={"file": "シートがありません。"}
            )
        rows: list[list[Any]] = []
        for r, raw in enumerate(sheet.iter_rows(values_only=True)):
            if r >= MAX_SHEET_ROWS + 1:
                raise InvalidInput(
                    f"シートの行が多すぎます。表に読み込めるのは{MAX_SHEET_ROWS:,}行までです。",
                    details={"file": "行が多すぎます。"},
                )
            values = [_plain(v) for v in raw[: MAX_SHEET_COLUMNS + 1]]
            rows.append(values)
    finally:
        workbook.close()
    rows = _trim(rows)
    if rows and max(len(r) for r in rows) > MAX_SHEET_COLUMNS:
        raise InvalidInput(
            f"シートの列が多すぎます。表の列は{MAX_SHEET_COLUMNS}列までです。",
            details={"file": "列が多すぎます。"},
        )
    if not rows:
        raise InvalidInput("シートに値がありません。", details={"file": "値がありません。"})
    return rows


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return int(value) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return value
    return str(value)


def _trim(rows: list[list[Any]]) -> list[list[Any]]:
    """Drop empty rows at the end and empty columns on the right."""

    def empty(v: Any) -> bool:
        return v is None or (isinstance(v, str) and not v.strip())

    while rows and all(empty(v) for v in rows[-1]):
        rows.pop()
    width = 0
    for row in rows:
        for i, v in enumerate(row):
            if not empty(v):
                width = max(width, i + 1)
    return [list(row[:width]) + [None] * (width - len(row[:width])) for row in rows]


def parse_pasted(text: str) -> list[list[str | None]]:
    """Read cells copied from Excel: tab-separated, one row a line, quoted cells may hold
    line breaks. Empty trailing rows and columns are dropped."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(
            "貼り付ける内容が空です。Excel でセルを選んでコピーしてから貼り付けてください。"
        )
    if len(text) > 2_000_000:
        raise InvalidInput("貼り付ける内容が大きすぎます（2,000,000文字まで）。")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    reader = csv.reader(io.StringIO(text), delimiter="\t", quotechar='"')
    rows: list[list[Any]] = [[cell if cell != "" else None for cell in row] for row in reader]
    while rows and all(v is None or not str(v).strip() for v in rows[-1]):
        rows.pop()
    if len(rows) > MAX_SHEET_ROWS:
        raise InvalidInput(f"貼り付けられるのは{MAX_SHEET_ROWS:,}行までです（{len(rows):,}行）。")
    return rows


def fit_to_columns(
    rows: list[list[Any]], columns: list[dict], *, pad: bool = False
) -> tuple[list[list[Any]], bool]:
    """Match sheet rows to a table's input columns.

    A first row that repeats the column labels is taken as a header and skipped. Every row
    must have exactly as many cells as the table has input columns; otherwise every wrong
    row is named at once. With `pad` (a sheet, where a row has no cell count of its own) short
    rows are filled with empty cells, and only values beyond the last column are refused.
    """
    inputs = [c for c in columns if "computed" not in c]
    labels = [_norm(c["label"]) for c in inputs]
    skipped = False
    if rows and [_norm(v) for v in rows[0]][: len(labels)] == labels:
        rows = rows[1:]
        skipped = True
    errors: dict[str, str] = {}
    offset = 2 if skipped else 1
    if pad:
        rows = [
            row + [None] * (len(inputs) - len(row))
            if len(row) < len(inputs)
            else row[: len(inputs)]
            if all(v is None for v in row[len(inputs) :])
            else row
            for row in rows
        ]
    for i, row in enumerate(rows):
        if len(row) != len(inputs):
            errors[f"/rows/{i}"] = (
                f"{i + offset}行目のセルの数が{len(row)}個です。この表の入力する列は"
                f"{len(inputs)}列（{'・'.join(c['label'] for c in inputs)}）です。"
            )
    if errors:
        raise InvalidInput(
            f"読み込んだ表の列の数が合いません（{len(errors)}行）。何も保存していません。",
            details=errors,
        )
    return rows, skipped


def _norm(value: Any) -> str:
    from akiruno.wareki import to_halfwidth

    return "".join(to_halfwidth(str(value or "")).split())
