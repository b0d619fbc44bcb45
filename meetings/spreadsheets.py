"""Reading session rows from an uploaded .xlsx or CSV file (one header row, one session a row).

Only reading happens here: the rows come back as text keyed by field name, with their row
numbers in the file, for meetings.imports to check. Files that are too large, not
spreadsheets, old .xls books, or unreadable are refused with a Japanese message.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field

from django.conf import settings

from akiruno.exceptions import InvalidInput
from akiruno.wareki import to_halfwidth

MAX_ROWS = 2000
MAX_UNCOMPRESSED = 100 * 1024 * 1024

HEADERS = {
    "body": ("会議体", "会議体キー", "会議体名", "会議体の名称", "キー", "body"),
    "category": ("区分", "会議の区分", "会議区分", "category"),
    "sequence": ("回", "第n回", "回次", "番号", "sequence"),
    "start": ("開催日", "開始日", "開催日(開始)", "実施日", "start", "date"),
    "end": ("終了日", "開催日(終了)", "end"),
    "format": ("開催形式", "形式", "format"),
    "venue": ("開催会場", "会場", "venue"),
    "attendance": ("出席者数", "出席者", "参加者数", "attendance"),
    "agenda": ("内容", "議題", "内容(議事等)", "議事", "agenda"),
    "note": ("備考", "note"),
}
TEMPLATE_HEADERS = [
    "会議体",
    "区分",
    "回",
    "開催日",
    "終了日",
    "開催形式",
    "開催会場",
    "出席者数",
    "内容",
    "備考",
]
REQUIRED = {"body": "会議体", "start": "開催日"}


def _normal(header: str) -> str:
    return "".join(to_halfwidth(str(header)).split()).lower()


_LOOKUP = {_normal(alias): key for key, aliases in HEADERS.items() for alias in aliases}


@dataclass
class SheetRows:
    """Rows read from a file: (row number in the file, {field: text})."""

    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message, details={"file": message})


def _size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value).replace("\r\n", "\n").strip()


def read_upload(upload) -> SheetRows:
    """Read the rows of an uploaded file (Django UploadedFile or any file with name and size)."""
    limit = settings.MAX_SPREADSHEET_UPLOAD_BYTES
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
    if size > limit:
        raise _refuse(
            f"ファイルが大きすぎます（{_size_text(size)}）。{_size_text(limit)}以下の .xlsx または CSV"
            "ファイルにしてください（行を分けて複数回に取り込めます）。"
        )
    if not size:
        raise _refuse(
            "ファイルが空です。会議を1行に1件書いた .xlsx または CSV ファイルを選んでください。"
        )
    upload.seek(0)
    data = upload.read()
    name = (getattr(upload, "name", "") or "").lower()
    if data[:4] == b"PK\x03\x04":
        table = _read_xlsx(data)
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _refuse(
            "Excel 97-2003 形式（.xls）には対応していません。Excel で「.xlsx」形式で保存し直してから"
            "選んでください。"
        )
    elif name.endswith((".csv", ".txt")) or not name.rpartition(".")[1]:
        table = _read_csv(data)
    else:
        raise _refuse(
            "スプレッドシートとして読めないファイルです。Excel ブック（.xlsx）または CSV ファイルを"
            "選んでください。"
        )
    return _rows(table)


def _read_xlsx(data: bytes) -> list[list[str]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" not in names:
                raise _refuse(
                    "Excel ブック（.xlsx）ではありません（ZIP ファイルです）。.xlsx または CSV を選んでください。"
                )
            if sum(i.file_size for i in archive.infolist()) > MAX_UNCOMPRESSED:
                raise _refuse("ブックの中身が大きすぎます。行を分けて取り込んでください。")
    except zipfile.BadZipFile:
        raise _refuse(
            "ファイルが壊れているため読めません。Excel で開いて保存し直してください。"
        ) from None
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        raise _refuse(
            "サーバーに openpyxl がないため .xlsx を読めません。CSV で取り込んでください。"
        ) from None
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors for broken books
        raise _refuse(
            "Excel ブックを読めませんでした。Excel で開いて .xlsx 形式で保存し直してください。"
        ) from None
    try:
        sheet = book.worksheets[0]
        table = []
        for row in sheet.iter_rows(values_only=True):
            table.append([_cell_text(v) for v in row])
            if len(table) > MAX_ROWS + 50:
                break
        return table
    finally:
        book.close()


def _read_csv(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _refuse(
            "文字コードを判別できません。CSV は UTF-8 または Shift_JIS で保存してください。"
        )
    if "\x00" in text:
        raise _refuse(
            "スプレッドシートとして読めないファイルです。Excel ブック（.xlsx）または CSV ファイルを"
            "選んでください。"
        )
    try:
        return [[_cell_text(v) for v in row] for row in csv.reader(io.StringIO(text))]
    except csv.Error:
        raise _refuse("CSV の形式が正しくありません（引用符の閉じ忘れなど）。") from None


def _rows(table: list[list[str]]) -> SheetRows:
    start = next((i for i, row in enumerate(table) if any(row)), None)
    if start is None:
        raise _refuse("ファイルに行がありません。1行目に見出し、2行目から会議を書いてください。")
    header = table[start]
    columns: dict[int, str] = {}
    ignored = []
    for index, label in enumerate(header):
        if not label:
            continue
        key = _LOOKUP.get(_normal(label))
        if key is None or key in columns.values():
            ignored.append(label)
            continue
        columns[index] = key
    missing = [label for key, label in REQUIRED.items() if key not in columns.values()]
    if missing:
        raise _refuse(
            f"見出しの行に「{'」「'.join(missing)}」の列がありません。1行目を見出しにし、"
            f"{'・'.join(TEMPLATE_HEADERS)} の列名を使ってください（ひな形をダウンロードできます）。"
        )
    out = SheetRows(ignored_columns=ignored)
    for offset, row in enumerate(table[start + 1 :], start=start + 2):
        if not any(row):
            continue
        out.rows.append(
            (offset, {key: row[i] if i < len(row) else "" for i, key in columns.items()})
        )
    if not out.rows:
        raise _refuse("見出しの下に会議の行がありません。2行目から1行に1件ずつ書いてください。")
    if len(out.rows) > MAX_ROWS:
        raise _refuse(
            f"行が多すぎます（{len(out.rows):,}行以上）。{MAX_ROWS:,}行ずつに分けて取り込んでください。"
        )
    return out


def template_csv() -> bytes:
    """A template to fill in: the header row and two example rows (UTF-8 with BOM for Excel)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(TEMPLATE_HEADERS)
    writer.writerow(
        [
            "shizei-choshu-hokokukai",
            "報告会",
            "1",
            "2024-06-04",
            "",
            "書面開催",
            "",
            "",
            "・令和６年３月末現在の市税等の徴収状況について",
            "",
        ]
    )
    writer.writerow(
        [
            "あきる野市指定管理者選定委員会",
            "委員会",
            "38",
            "令和6年10月15日",
            "",
            "対面",
            "",
            "",
            "・…の指定管理者の候補者について（諮問）\n・…の指定管理者の候補者について（諮問）",
            "",
        ]
    )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "会議"
    for row in csv.reader(io.StringIO(template_csv().decode("utf-8-sig"))):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
