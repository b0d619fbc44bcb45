"""Spreadsheets and pasted text in the printed layout: .xlsx download, .xlsx upload, TSV paste.

The download writes each record's TableViews (finance.tables) as the report prints them: a
caption, the unit line, the column groups, the header, the rows with the 合計 rows, amounts with
the number format #,##0;"△"#,##0. An upload or a paste is read back by the column labels of the
header rows, so the same layout goes both ways; printed figures of computed places (合計 rows,
補正予算額合計, 最終予算額, 増△減, 比率, 年度末現在高 …) are handed on as entered figures and
compared with the computation by finance.validation, never stored.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from akiruno.exceptions import InvalidInput
from akiruno.wareki import to_halfwidth
from reports.tables import TableView

from . import compute

NUMBER_FORMAT = '#,##0;"△"#,##0'
RATIO_FORMAT = '0.0;"△"0.0'
RATE_FORMAT = "0.000"
MAX_SHEET_ROWS = 5000
MAX_SHEET_COLUMNS = 60
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# -- download ----------------------------------------------------------------------------------


def _openpyxl():
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - openpyxl is a pinned dependency
        raise RuntimeError(
            "openpyxl がインストールされていません。requirements.lock の依存関係を導入してください。"
        ) from exc
    return openpyxl


def sheet_title(text: str, used: set[str]) -> str:
    title = re.sub(r"[\[\]:*?/\\]", "", text).strip() or "表"
    title = title[:31]
    base, n = title, 2
    while title in used:
        suffix = f"({n})"
        title = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(title)
    return title


def _excel_value(col: dict, cell) -> Any:
    value = cell.value
    if value is None or value == "":
        return None
    ctype = col.get("type", "text")
    if ctype in {"amount", "integer"}:
        return int(value)
    if ctype == "percent":
        return Decimal(str(value))
    if ctype == "date":
        return dt.date.fromisoformat(value)
    return str(value)


def write_tables(ws, tables: list[TableView]) -> None:
    """Write TableViews one under another, as printed."""
    from openpyxl.styles import Alignment, Font

    bold = Font(bold=True)
    row = 1
    for table in tables:
        width = len(table.columns)
        if table.caption:
            ws.cell(row=row, column=1, value=table.caption).font = bold
            row += 1
        if table.unit:
            ws.cell(row=row, column=width, value=f"（単位：{table.unit}）").alignment = Alignment(
                horizontal="right"
            )
            row += 1
        if table.has_groups:
            col = 1
            for label, span in table.groups:
                if label:
                    ws.cell(row=row, column=col, value=label).alignment = Alignment(
                        horizontal="center"
                    )
                    if span > 1:
                        ws.merge_cells(
                            start_row=row, start_column=col, end_row=row, end_column=col + span - 1
                        )
                col += span
            row += 1
        for index, col in enumerate(table.columns, start=1):
            cell = ws.cell(row=row, column=index, value=col["label"])
            cell.font = bold
            cell.alignment = Alignment(horizontal="center")
        row += 1
        for body in table.rows:
            for index, (col, cell) in enumerate(zip(table.columns, body.cells, strict=True), 1):
                target = ws.cell(row=row, column=index, value=_excel_value(col, cell))
                ctype = col.get("type", "text")
                if ctype == "amount":
                    target.number_format = NUMBER_FORMAT
                elif ctype == "percent" and col["key"] == "ratio":
                    target.number_format = RATIO_FORMAT
                elif ctype == "percent":
                    target.number_format = RATE_FORMAT
                elif ctype == "date":
                    target.number_format = "yyyy-mm-dd"
                if body.kind != "body":
                    target.font = bold
            row += 1
        for note in table.notes:
            ws.cell(row=row, column=1, value=note)
            row += 1
        row += 1
    for index in range(1, ws.max_column + 1):
        letter = ws.cell(row=1, column=index).column_letter
        ws.column_dimensions[letter].width = 14 if index > 1 else 24


def workbook_bytes(sheets: list[tuple[str, list[TableView]]]) -> bytes:
    openpyxl = _openpyxl()
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for title, tables in sheets:
        ws = wb.create_sheet(sheet_title(title, used))
        write_tables(ws, tables)
    if not wb.worksheets:
        wb.create_sheet("財政")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# -- upload and paste --------------------------------------------------------------------------


def _too_big() -> InvalidInput:
    limit = settings.MAX_SPREADSHEET_UPLOAD_BYTES
    return InvalidInput(
        f"ファイルが大きすぎます。{limit // (1024 * 1024):,}MB以下の .xlsx ファイルを選んでください。",
        details={"file": "ファイルが大きすぎます。"},
    )


def _not_a_spreadsheet(name: str) -> InvalidInput:
    return InvalidInput(
        f"「{name}」は Excel ブック（.xlsx）として読めません。ダウンロードした様式の .xlsx ファイルを選んでください"
        "（.xls や .csv、パスワード付きのファイルは読めません）。",
        details={"file": "Excel ブック（.xlsx）を選んでください。"},
    )


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        return Decimal(repr(value))
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return value.strip()
    return value


def read_upload(upload: UploadedFile) -> list[list[Any]]:
    """The rows of every sheet of an uploaded .xlsx, sheets separated by a blank row."""
    name = getattr(upload, "name", "") or "ファイル"
    if upload.size is not None and upload.size > settings.MAX_SPREADSHEET_UPLOAD_BYTES:
        raise _too_big()
    data = upload.read(settings.MAX_SPREADSHEET_UPLOAD_BYTES + 1)
    if len(data) > settings.MAX_SPREADSHEET_UPLOAD_BYTES:
        raise _too_big()
    return read_workbook(data, name=name)


def read_workbook(data: bytes, *, name: str = "ファイル") -> list[list[Any]]:
    openpyxl = _openpyxl()
    if not data.startswith(b"PK\x03\x04") or not zipfile.is_zipfile(io.BytesIO(data)):
        raise _not_a_spreadsheet(name)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a broken or foreign file
        raise _not_a_spreadsheet(name) from exc
    rows: list[list[Any]] = []
    try:
        for ws in wb.worksheets:
            for values in ws.iter_rows(max_col=MAX_SHEET_COLUMNS, values_only=True):
                if len(rows) >= MAX_SHEET_ROWS:
                    raise InvalidInput(
                        f"行が多すぎます（{MAX_SHEET_ROWS:,}行まで）。表の範囲だけを残してください。",
                        details={"file": "行が多すぎます。"},
                    )
                rows.append([_cell(v) for v in values])
            rows.append([])
    finally:
        wb.close()
    return rows


def read_tsv(text: str) -> list[list[str]]:
    """Cells copied from Excel: tab-separated, quoted where a cell holds a line break."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > settings.MAX_SPREADSHEET_UPLOAD_BYTES:
        raise _too_big()
    rows = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), delimiter="\t")]
    if len(rows) > MAX_SHEET_ROWS:
        raise InvalidInput(
            f"行が多すぎます（{MAX_SHEET_ROWS:,}行まで）。", details={"paste": "行が多すぎます。"}
        )
    return rows


# -- reading a layout back ---------------------------------------------------------------------


def norm(value: Any) -> str:
    """A label as compared: half-width, no spaces, no trailing unit （千円）."""
    if value is None:
        return ""
    text = re.sub(r"\s+", "", to_halfwidth(str(value)))
    return re.sub(r"\((千円|円|%|千円、%)\)$", "", text)


def _blank_row(row: list[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


@dataclass
class Layout:
    name: str
    anchor: str
    columns: dict[str, list[str]]  # key -> labels accepted in the header

    def key_of(self, label: str) -> str | None:
        if not label:
            return None
        for key, labels in self.columns.items():
            if label in labels:
                return key
        match = re.fullmatch(r"第(\d+)号", label)
        if match and "s*" in self.columns:
            return f"s{int(match[1])}"
        return None


ACCOUNT = Layout(
    "account",
    "当初予算額",
    {
        "part": ["区分"],
        "number": ["款", "番号", "No.", "No"],
        "name": ["科目", "款名", "名称"],
        "initial": ["当初予算額", "当初"],
        "s*": [],
        "supplementary_total": ["合計", "補正予算額合計", "補正合計"],
        "appropriation": ["充当額", "予備費充用額"],
        "final": ["最終予算額"],
        "settlement": ["決算額"],
    },
)
COMPARISON = Layout(
    "comparison",
    "本年度",
    {
        "letter": ["記号"],
        "label": ["区分", "項目"],
        "current": ["本年度"],
        "previous": ["前年度"],
        "difference": ["増△減", "増▲減", "増減"],
        "ratio": ["比率"],
    },
)
LOANS = Layout(
    "loans",
    "借入目的",
    {
        "purpose": ["借入目的", "目的"],
        "amount": ["借入額"],
        "date": ["借入日", "借入年月日"],
        "lender": ["借入先"],
        "rate": ["利率"],
        "term_years": ["償還期間"],
        "grace_years": ["据置期間"],
    },
)
BALANCES = Layout(
    "balances",
    "前年度末現在高",
    {
        "lender": ["借入先"],
        "opening": ["前年度末現在高"],
        "borrowed": ["借入額"],
        "repaid": ["元金償還額", "償還額"],
        "closing": ["年度末現在高"],
    },
)
FUND_SUMMARY = Layout(
    "fund_summary",
    "前年度末現在高",
    {
        "name": ["基金名"],
        "opening": ["前年度末現在高"],
        "deposits": ["積立額"],
        "withdrawals": ["繰入額"],
        "closing": ["年度末現在高"],
    },
)
FUND_BREAKDOWN = Layout(
    "fund_breakdown",
    "内容",
    {"kind": ["区分"], "label": ["内容"], "amount": ["金額"]},
)
GRANT = Layout(
    "grant",
    "事業名",
    {"name": ["事業名"], "amount": ["充当額"], "description": ["事業内容"]},
)


@dataclass
class Found:
    """Data rows of one table found in the sheet: (row number, {key: value})."""

    rows: list[tuple[int, dict[str, Any]]]
    keys: set[str]
    before: list[list[Any]]  # the rows above the header (caption, unit, notes of the previous)


def _header_map(row: list[Any], layout: Layout) -> dict[int, str] | None:
    labels = [norm(v) for v in row]
    if layout.anchor not in labels:
        return None
    if layout.name == "balances" and "借入目的" in labels:
        return None
    if layout.name == "fund_summary" and "基金名" not in labels:
        return None
    mapping = {}
    for index, label in enumerate(labels):
        key = layout.key_of(label)
        if key and key not in mapping.values():
            mapping[index] = key
    return mapping if len(mapping) >= 2 else None


def find_tables(rows: list[list[Any]], layouts: list[Layout]) -> dict[str, list[Found]]:
    """Locate every table of the given layouts by its header row and read its data rows."""
    found: dict[str, list[Found]] = {layout.name: [] for layout in layouts}
    i = 0
    last_end = 0
    while i < len(rows):
        header = None
        for layout in layouts:
            mapping = _header_map(rows[i], layout)
            if mapping:
                header = (layout, mapping)
                break
        if header is None:
            i += 1
            continue
        layout, mapping = header
        data = []
        j = i + 1
        while j < len(rows) and not _blank_row(rows[j]):
            if any(_header_map(rows[j], other) for other in layouts):
                break
            row = rows[j]
            values = {
                key: row[index] if index < len(row) else None for index, key in mapping.items()
            }
            data.append((j + 1, values))
            j += 1
        found[layout.name].append(Found(data, set(mapping.values()), rows[last_end:i]))
        last_end = j
        i = j
    return found


def positional(rows: list[list[Any]], options: list[list[str]], *, what: str) -> list[dict]:
    """Pasted rows without a header: the column order is told by the number of columns."""
    out = []
    for number, row in enumerate(rows, start=1):
        if _blank_row(row):
            continue
        while (
            row and (row[-1] is None or row[-1] == "") and len(row) not in {len(o) for o in options}
        ):
            row = row[:-1]
        keys = next((o for o in options if len(o) == len(row)), None)
        if keys is None:
            counts = "、".join(f"{len(o)}列" for o in options)
            raise InvalidInput(
                f"{what}: 貼り付けた{number}行目は{len(row)}列です。{counts}の形で貼り付けるか、"
                "見出しの行も含めて貼り付けてください。",
                details={"paste": f"{number}行目の列の数が違います。"},
            )
        out.append(dict(zip(keys, row, strict=True)))
    return out


def is_total(label: Any) -> bool:
    return norm(label) in {"合計", "計", "総計"}


def _part_of(label: Any) -> str | None:
    text = norm(label)
    for key, name in compute.PART_LABELS.items():
        if text in {name, key}:
            return key
    return None


# -- per kind: rows to a raw record -------------------------------------------------------------


def _lines_from(rows: list[dict], *, n: int, where: str) -> tuple[list[dict], dict | None]:
    """Statement rows (one part) to raw lines; a 合計 row becomes the part's entered total."""
    lines: list[dict] = []
    total = None
    for values in rows:
        name = values.get("name")
        if is_total(name):
            total = _figures(values, n)
            continue
        number = "" if values.get("number") is None else str(values.get("number")).strip()
        child_of = None
        half = to_halfwidth(number)
        if m := re.fullmatch(r"(\d+)-(\d+)", half):
            child_of, number = m[1], m[2]
        elif m := re.fullmatch(r"\((\d+)\)", half):
            child_of, number = "", m[1]
        line = {"number": number, "name": name, **_figures(values, n), "children": []}
        if child_of is not None:
            parent = next(
                (p for p in reversed(lines) if child_of == "" or p["number"] == child_of), None
            )
            if parent is None:
                raise InvalidInput(
                    f"{where}: 項「{number} {name or ''}」の上に款「{child_of}」の行がありません。",
                    details={where: "項の行は款の行の後に置いてください。"},
                )
            parent["children"].append(line)
        else:
            lines.append(line)
    # A 款 with 項 keeps its printed figures: validation compares them with the sums of its 項.
    return lines, total


def _figures(values: dict, n: int) -> dict:
    out = {
        "initial": values.get("initial"),
        "supplementary": [values.get(f"s{k}") for k in range(1, n + 1)],
        "appropriation": values.get("appropriation"),
        "settlement": values.get("settlement"),
    }
    for key in ("supplementary_total", "final"):
        if values.get(key) not in (None, ""):
            out[key] = values[key]
    return out


def _check_supplementary(found: Found, n: int, name: str) -> None:
    numbers = sorted(int(k[1:]) for k in found.keys if re.fullmatch(r"s\d+", k))
    if numbers != list(range(1, n + 1)):
        have = f"第{numbers[-1]}号まで" if numbers else "なし"
        want = f"第{n}号まで" if n else "なし"
        raise InvalidInput(
            f"{name}: シートの補正予算の列（{have}）が、この会計の補正予算の数（{want}）と"
            "合いません。会計の設定で補正予算の数を直すか、様式をダウンロードし直してください。",
            details={"file": "補正予算の列の数が違います。"},
        )


def account_from_sheet(rows: list[list[Any]], base: dict) -> dict:
    """An uploaded statement (every part, with its 区分 column) onto the account `base`."""
    n = base["supplementary_count"]
    tables = find_tables(rows, [ACCOUNT])["account"]
    if not tables:
        raise InvalidInput(
            f"{base['name']}: シートに予算の執行状況の表（見出し「当初予算額」の行）がありません。",
            details={"file": "表の見出しの行が見つかりません。"},
        )
    by_part: dict[str, list[dict]] = {}
    allowed = compute.PARTS_BY_KIND[base["kind"]]
    sides = iter(allowed)
    part = None
    for table in tables:
        _check_supplementary(table, n, base["name"])
        for number, values in table.rows:
            # The 区分 column names the side; where it is blank, a side runs to its 合計 row.
            named = _part_of(values.get("part"))
            if named is not None and named not in allowed:
                raise InvalidInput(
                    f"{base['name']}: {number}行目の区分「{values.get('part')}」はこの会計にありません。",
                    details={"file": f"{number}行目の区分が違います。"},
                )
            part = named or part or next(sides, None)
            if part is None:
                raise InvalidInput(
                    f"{base['name']}: {number}行目の区分がわかりません（歳入・歳出など）。",
                    details={"file": f"{number}行目の区分がありません。"},
                )
            by_part.setdefault(part, []).append(values)
            if is_total(values.get("name")):
                part = None
    parts = []
    for part in allowed:
        if part in by_part:
            lines, total = _lines_from(by_part[part], n=n, where=compute.PART_LABELS[part])
            entry = {"part": part, "lines": lines}
            if total:
                entry["total"] = total
            parts.append(entry)
        else:
            parts.append(next(p for p in base["parts"] if p["part"] == part))
    return {**base, "parts": parts}


def account_part_from_paste(rows: list[list[Any]], base: dict, part: str) -> dict:
    """Pasted rows of one part (歳入, 歳出 …) replace that part's lines."""
    n = base["supplementary_count"]
    tables = find_tables(rows, [ACCOUNT])["account"]
    label = compute.PART_LABELS[part]
    if any(_part_of(v.get("part")) for table in tables for _, v in table.rows):
        return account_from_sheet(rows, base)  # the whole statement, sides named: not one part
    if tables:
        for table in tables:
            _check_supplementary(table, n, base["name"])
        values = [v for table in tables for _, v in table.rows]
    else:
        figures = ["initial", *[f"s{k}" for k in range(1, n + 1)]]
        printed = figures + (["supplementary_total"] if n > 1 else [])
        values = positional(
            rows,
            [
                ["number", "name", *figures, "appropriation", "settlement"],
                ["number", "name", *printed, "appropriation", "final", "settlement"],
            ],
            what=f"{base['name']} {label}",
        )
    lines, total = _lines_from(values, n=n, where=label)
    parts = []
    for p in base["parts"]:
        if p["part"] == part:
            entry = {"part": part, "lines": lines}
            if total:
                entry["total"] = total
            parts.append(entry)
        else:
            parts.append(p)
    return {**base, "parts": parts}


def comparison_from_rows(rows: list[list[Any]], base: dict) -> dict:
    tables = find_tables(rows, [COMPARISON])["comparison"]
    if tables:
        values = [v for table in tables for _, v in table.rows]
    else:
        values = positional(
            rows,
            [
                ["label", "current", "previous"],
                ["letter", "label", "current", "previous"],
                ["label", "current", "previous", "difference", "ratio"],
                ["letter", "label", "current", "previous", "difference", "ratio"],
            ],
            what=base["title"],
        )
    out = []
    for v in values:
        row = {
            "letter": v.get("letter"),
            "label": v.get("label"),
            "current": v.get("current"),
            "previous": v.get("previous"),
        }
        for key in ("difference", "ratio"):
            if v.get(key) not in (None, ""):
                row[key] = v[key]
        out.append(row)
    return {**base, "rows": out}


def _years(value: Any) -> Any:
    if isinstance(value, str):
        return re.sub(r"年$", "", value.strip())
    return value


def _loan(values: dict) -> dict:
    return {
        "purpose": values.get("purpose"),
        "amount": values.get("amount"),
        "date": values.get("date"),
        "lender": values.get("lender"),
        "rate": values.get("rate"),
        "term_years": _years(values.get("term_years")),
        "grace_years": _years(values.get("grace_years")),
    }


def bonds_from_rows(rows: list[list[Any]], base: dict, *, target: str | None = None) -> dict:
    """Loans and/or balances; a paste without headers goes to `target` (loans or balances)."""
    found = find_tables(rows, [LOANS, BALANCES])
    result = dict(base)
    loans_rows = [v for t in found["loans"] for _, v in t.rows]
    balance_rows = [v for t in found["balances"] for _, v in t.rows]
    has_loans, has_balances = bool(found["loans"]), bool(found["balances"])
    if not has_loans and not has_balances:
        if target == "loans":
            loans_rows = positional(rows, [list(LOANS.columns)], what="地方債借入状況")
            has_loans = True
        elif target == "balances":
            balance_rows = positional(
                rows,
                [
                    ["lender", "opening", "repaid"],
                    ["lender", "opening", "borrowed", "repaid", "closing"],
                ],
                what="地方債借入先別現在高",
            )
            has_balances = True
        else:
            raise InvalidInput(
                "シートに地方債の表（見出し「借入目的」または「前年度末現在高」の行）がありません。",
                details={"file": "表の見出しの行が見つかりません。"},
            )
    if has_loans:
        result["loans"] = [_loan(v) for v in loans_rows if not is_total(v.get("purpose"))]
        totals = [v for v in loans_rows if is_total(v.get("purpose"))]
        if totals:
            result["loans_total"] = totals[-1].get("amount")
    if has_balances:
        notes = {b["lender"]: b.get("carryover_note", "") for b in base.get("balances", [])}
        balances = []
        for v in balance_rows:
            if is_total(v.get("lender")):
                result["balances_total"] = {
                    k: v.get(k) for k in ("opening", "borrowed", "repaid", "closing")
                }
                continue
            lender = v.get("lender")
            balances.append(
                {
                    "lender": lender,
                    "opening": v.get("opening"),
                    "repaid": v.get("repaid"),
                    "borrowed": v.get("borrowed"),
                    "closing": v.get("closing"),
                    "carryover_note": notes.get(str(lender or "").strip(), ""),
                }
            )
        result["balances"] = balances
    return result


FUND_KINDS = {
    "積立額": "deposits",
    "積立": "deposits",
    "繰入額": "withdrawals",
    "繰入": "withdrawals",
    "目的別現在高": "sub_balances",
    "内訳": "sub_balances",
}


def fund_from_rows(rows: list[list[Any]], base: dict) -> dict:
    found = find_tables(rows, [FUND_SUMMARY, FUND_BREAKDOWN])
    result = dict(base)
    for table in found["fund_summary"]:
        for _, v in table.rows:
            if norm(v.get("name")) == norm(base["name"]):
                result["opening"] = v.get("opening")
                for key, entered in (
                    ("deposits", "deposits_total"),
                    ("withdrawals", "withdrawals_total"),
                    ("closing", "closing"),
                ):
                    if v.get(key) not in (None, ""):
                        result[entered] = v[key]
    if found["fund_breakdown"]:
        entries: dict[str, list[dict]] = {"deposits": [], "withdrawals": [], "sub_balances": []}
        kind = None
        for table in found["fund_breakdown"]:
            for number, v in table.rows:
                kind = FUND_KINDS.get(norm(v.get("kind")), kind)
                if kind is None:
                    raise InvalidInput(
                        f"{base['name']}: {number}行目の区分（積立額・繰入額・目的別現在高）がわかりません。",
                        details={"file": f"{number}行目の区分がありません。"},
                    )
                if is_total(v.get("label")):
                    result[f"{kind}_total"] = v.get("amount")
                    continue
                entries[kind].append({"label": v.get("label"), "amount": v.get("amount")})
        result.update(entries)
    elif not found["fund_summary"]:
        raise InvalidInput(
            f"{base['name']}: シートに基金の表（見出し「基金名」または「内容」の行）がありません。",
            details={"file": "表の見出しの行が見つかりません。"},
        )
    return result


_RECEIVED = re.compile(r"^交付額\s*(?P<amount>[△▲\-−]?[0-9０-９,，]+)\s*(千円|円)?$")


def grant_from_rows(rows: list[list[Any]], base: dict) -> dict:
    found = find_tables(rows, [GRANT])["grant"]
    result = dict(base)
    if found:
        values = [v for t in found for _, v in t.rows]
    else:
        values = positional(
            rows, [["name", "amount"], ["name", "amount", "description"]], what=base["name"]
        )
    projects = []
    for v in values:
        if isinstance(v.get("name"), str) and _RECEIVED.match(v["name"]):
            continue  # the 交付額 note printed under the table
        if is_total(v.get("name")):
            result["projects_total"] = v.get("amount")
            continue
        projects.append(
            {
                "name": v.get("name"),
                "amount": v.get("amount"),
                "description": v.get("description") or "",
            }
        )
    result["projects"] = projects
    for row in rows:
        for value in row:
            if isinstance(value, str) and (m := _RECEIVED.match(value.strip())):
                result["received"] = m["amount"]
    return result
