"""Pure rendering of a report's content into the files a build publishes.

Input: the fiscal year, title and the sections' content (reports.snapshot JSON, in department
order). Output: bytes per file name. Nothing here reads the database or the clock, so the same
input gives the same bytes (HTML, CSV, ZIP): that is what makes a build idempotent.

Files (names are paths inside the build directory):
- ``index.html`` (table of contents), ``departments/<code>.html``, ``all.html`` (one page, for
  printing): complete pages that link the site's stylesheets.
- ``data/<code>-<nn>.csv`` (every table, MIC rules), ``data/index.json``, ``data.zip``.
- ``_work/…``: inputs of the later phases (PDF sources, the TOC entries, the search texts);
  never served.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string

from akiruno import wareki
from akiruno.exceptions import InvalidInput
from reports import blocks, tables
from reports.tree import RenderedItem, render_tree

# Department codes that would shadow a fixed public URL under /reports/<fy>/.
RESERVED_CODES = frozenset({"all", "data", "editions", "search", "report", "index"})

CSV_BOM = b"\xef\xbb\xbf"
LINES_SEPARATOR = "；"
# A text cell starting with one of these is read as a formula by spreadsheet software.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so the same input gives the same ZIP bytes
OPEN_DATA_FORMAT = "akiruno-jimuhokoku-opendata"


@dataclass
class DataTable:
    """One table of the report as open data."""

    name: str
    title: str
    department_code: str
    department_name: str
    item_path: str
    anchor: str
    view: tables.TableView
    notes: list[str] = field(default_factory=list)

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"


@dataclass
class Part:
    """One department's section, rendered."""

    code: str
    name: str
    items: list[RenderedItem]
    tables: list[DataTable]


@dataclass
class Rendered:
    files: dict[str, bytes]
    work: dict[str, bytes]
    parts: list[Part]


# -- helpers ------------------------------------------------------------------------------


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_json(value: Any) -> bytes:
    """The compact, key-sorted UTF-8 JSON that every content checksum is taken over (workflow
    snapshots, build inputs, the public API's check): one encoding, so the checksums agree."""
    return json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder
    ).encode()


_KATAKANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}  # ァ…ヶ → ぁ…ゖ
_DIGIT_SEPARATORS = {",", "，", "､"}


def fold(text: str) -> tuple[str, list[int]]:
    """Fold text for search, the same for the index and the query, character by character:
    NFKC (full-width ＡＢＣ１２３ and half-width ｶﾀｶﾅ to their ordinary forms), case, katakana
    to hiragana (ケンシン = けんしん), and the thousands separators between digits dropped
    (４，８１２，１９８ = 4,812,198 = 4812198).

    Returns the folded text and, for each folded character, the index of the original
    character it came from, so that a match in the folded text maps back to the original.
    """
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if char in _DIGIT_SEPARATORS and out and out[-1][-1:].isdigit():
            following = unicodedata.normalize("NFKC", text[index + 1 : index + 4])
            if len(following) == 3 and following.isdigit():
                continue
        if "\uff9e" <= char <= "\uff9f" and out:  # half-width ﾞﾟ: ｶﾞ composes into が
            composed = unicodedata.normalize("NFKC", text[index - 1 : index + 1])
            composed = composed.casefold().translate(_KATAKANA)
            if len(composed) == 1:
                out[-1] = composed
                origin[-1] = index
                continue
        folded = unicodedata.normalize("NFKC", char).casefold().translate(_KATAKANA)
        out.append(folded)
        origin.extend([index] * len(folded))
    return "".join(out), origin


def fold_text(text: str) -> str:
    return fold(text)[0]


_SPACES = re.compile(r"\s+")


def _table_views(view: dict) -> list[tables.TableView]:
    """The TableViews a block's view prints (a `table`, or a list of them)."""
    found = []
    for value in view.values():
        if isinstance(value, tables.TableView):
            found.append(value)
        elif isinstance(value, list):
            found.extend(v for v in value if isinstance(v, tables.TableView))
    return found


# -- walking the content and the rendered tree together -----------------------------------


def _walk(content_items: list[dict], rendered: list[RenderedItem], path: list[str]):
    for content_item, item in zip(content_items, rendered, strict=True):
        here = [*path, f"{item.number} {item.heading}".strip()]
        yield content_item, item, here
        yield from _walk(content_item.get("children", []), item.children, here)


def _ensure_anchors(items: list[RenderedItem], prefix: str) -> None:
    """Give items without a uid (content exported without ids) a stable positional anchor."""
    for index, item in enumerate(items, start=1):
        if not item.uid:
            item.uid = f"{prefix}{index}"
        _ensure_anchors(item.children, f"{item.uid}-")


def _caption_for(item: RenderedItem, index: int) -> str:
    base = f"{item.number} {item.heading}".strip()
    return base if index == 1 else f"{base}（表{index}）"


def render_part(content: dict) -> Part:
    """Number and compute one section; fill missing table captions; collect its tables.

    Every printed table becomes one CSV (<code>-01.csv, …, in reading order). The data of
    blocks that print no table (count statements: 協議会 ２回) is gathered into one CSV per
    department and column layout (<code>-counts.csv) with the heading in the first column,
    rather than a file of two rows for every count.
    """
    code = content["department"]
    name = content["department_name"]
    items = render_tree(content)
    _ensure_anchors(items, f"{code}-")
    data_tables: list[DataTable] = []
    gathered: dict[tuple, DataTable] = {}
    for content_item, item, path in _walk(content.get("items", []), items, []):
        shown = 0
        for content_block, block in zip(content_item.get("blocks", []), item.blocks, strict=True):
            view = block.view
            # Every printed table gets a caption (accessibility); untitled ones take the heading.
            printed = _table_views(view)
            for table_view in printed:
                shown += 1
                if not table_view.caption:
                    table_view.caption = _caption_for(item, shown)
                    table_view.caption_hidden = True
            kind = blocks.get(content_block["kind"])
            if kind.captioned_by_data and isinstance(view.get("data"), dict):
                printed = [view]
                shown += 1
                if not view["data"].get("caption"):
                    view["data"] = {**view["data"], "caption": _caption_for(item, shown)}
                    view["caption_hidden"] = True
            downloads = []
            for table_view in kind.tables(content_block["data"], content_block.get("resolved")):
                if not table_view.columns:
                    continue
                if not printed:
                    _gather(gathered, table_view, code=code, name=name, item=item, path=path)
                    continue
                data_table = DataTable(
                    name=f"{code}-{len(data_tables) + 1:02d}",
                    title=table_view.caption or _caption_for(item, 1),
                    department_code=code,
                    department_name=name,
                    item_path=" ＞ ".join(path),
                    anchor=item.anchor,
                    view=table_view,
                    notes=list(table_view.notes),
                )
                data_tables.append(data_table)
                downloads.append(data_table)
            block.downloads = downloads  # read by templates/report/items.html
    data_tables.extend(gathered.values())
    return Part(code=code, name=name, items=items, tables=data_tables)


def _gather(
    gathered: dict[tuple, DataTable],
    view: tables.TableView,
    *,
    code: str,
    name: str,
    item: RenderedItem,
    path: list[str],
) -> None:
    """Add the rows of an unprinted table to its department's gathered table."""
    signature = tuple((c["key"], c["label"], c.get("type"), c.get("unit")) for c in view.columns)
    where = " ＞ ".join(path)
    if signature not in gathered:
        number = len(gathered) + 1
        suffix = "" if number == 1 else f"-{number}"
        gathered[signature] = DataTable(
            name=f"{code}-counts{suffix}",
            title=f"{name}の件数" + ("" if number == 1 else f"（{number}）"),
            department_code=code,
            department_name=name,
            item_path="",
            anchor=item.anchor,
            view=tables.TableView(
                caption="",
                columns=[{"key": "_heading", "label": "見出し", "type": "text"}, *view.columns],
                rows=[],
                unit=view.unit,
            ),
        )
    target = gathered[signature]
    for row in view.rows:
        target.view.rows.append(
            tables.Row(
                [tables.Cell(where, where, "text", is_header=True), *row.cells], kind=row.kind
            )
        )
    target.notes.extend(note for note in view.notes if note not in target.notes)


# -- CSV (総務省「統計表における機械判読可能なデータの表記方法の統一ルール」) -------------------


def neutralise(text: str) -> str:
    """Keep a text cell from being run as a spreadsheet formula: prefix a quote.

    Only text cells pass through here. Numbers never do: -16658 in an amount column is data.
    """
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _column_header(col: dict, table_unit: str | None) -> str:
    label = col["label"]
    if col.get("group"):
        label = f"{col['group']}・{label}"
    unit = col.get("unit") or (table_unit if col.get("type") in tables.NUMERIC_TYPES else None)
    if col.get("type") == "percent":
        unit = "％"
    return f"{label}（{unit}）" if unit else label


def csv_headers(view: tables.TableView) -> list[str]:
    headers: list[str] = []
    seen: dict[str, int] = {}
    for col in view.columns:
        header = _column_header(col, view.unit)
        seen[header] = seen.get(header, 0) + 1
        headers.append(header if seen[header] == 1 else f"{header}（{seen[header]}）")
    return [neutralise(h) for h in headers]


def csv_cell(col: dict, value: Any) -> str:
    """One cell as open data: plain numbers with a minus sign, ISO dates, one line of text."""
    ctype = col.get("type", "text")
    if value is None or value == "":
        return ""
    if ctype in tables.NUMERIC_TYPES:
        return str(int(value))
    if ctype == "percent":
        return format(Decimal(str(value)), "f")
    if ctype == "date":
        return str(value)
    if ctype == "date_range":
        return f"{value['start']}/{value['end']}"
    if ctype == "lines":
        text = LINES_SEPARATOR.join(str(line) for line in value)
    else:
        text = str(value)
    return neutralise(_SPACES.sub(" ", text).strip())


def csv_bytes(view: tables.TableView, *, bom: bool = True) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(csv_headers(view))
    for row in view.rows:
        writer.writerow(
            [csv_cell(col, cell.value) for col, cell in zip(view.columns, row.cells, strict=True)]
        )
    return (CSV_BOM if bom else b"") + buffer.getvalue().encode("utf-8")


def _column_meta(col: dict, header: str, table_unit: str | None) -> dict:
    unit = col.get("unit") or (table_unit if col.get("type") in tables.NUMERIC_TYPES else None)
    if col.get("type") == "percent":
        unit = "％"
    return {"name": header, "type": col.get("type", "text"), "unit": unit}


def data_index(
    *, fiscal_year: int, title: str, city: str, license_text: str, entries: list[dict]
) -> bytes:
    index = {
        "format": OPEN_DATA_FORMAT,
        "format_version": 1,
        "publisher": city,
        "title": title,
        "fiscal_year": fiscal_year,
        "fiscal_year_label": wareki.format_fiscal_year(fiscal_year),
        "license": license_text,
        "encoding": "UTF-8（BOM付き）",
        "rules": [
            "1行目が見出し行、2行目以降が1行1レコード。セル結合・空行による体裁はありません。",
            "数値は桁区切りのカンマや△を付けず、負の数はマイナス記号（-）で表します。",
            "単位は見出しの括弧内に記載しています。",
            "日付は西暦（YYYY-MM-DD）、期間は「開始日/終了日」で表します。",
            f"1つのセルに複数の項目がある場合は「{LINES_SEPARATOR}」で区切っています。",
            "文字のセルが = + - @ で始まる場合は、表計算ソフトで数式として実行されないよう"
            "先頭に ' を付けています（数値のセルには付けません）。",
            "合計・月平均の行は計算値で、見出し列にその旨を記載しています。",
        ],
        "files": entries,
    }
    return (json.dumps(index, ensure_ascii=False, indent=2) + "\n").encode()


README_TEMPLATE = """{title} オープンデータ（CSV）

発行: {city}
ファイル一覧と各列の意味・単位は index.json にあります。

- 文字コードは UTF-8（BOM付き）、改行は CRLF です。Excel でそのまま開けます。
- 1行目が見出し行です。数値はカンマ・△なし、負の数はマイナス記号（-）で表します。
- 日付は西暦（YYYY-MM-DD）です。
- 文字のセルが = + - @ で始まる場合、数式として実行されないよう先頭に ' を付けています。
  数値のセル（例: -16658）には付けていません。
"""


def zip_bytes(members: list[tuple[str, bytes]], *, folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return buffer.getvalue()


# -- the whole report ---------------------------------------------------------------------


def _search_entries(part: Part) -> list[dict]:
    entries = []
    for item, path in _flatten_with_path(part.items, ""):
        texts = [
            blocks.get(block.kind).search_text(block.view, depth=item.depth)
            for block in item.blocks
        ]
        body = " ".join(t for t in texts if t)
        entries.append(
            {
                "anchor": item.anchor,
                "number": item.number,
                "heading": item.heading,
                "path": path,
                "text": f"{item.number} {item.heading}\n{body}".strip(),
            }
        )
    return entries


def _flatten_with_path(items: list[RenderedItem], prefix: str):
    """Each item with its numbers from the top: １（２）ア for ア under （２） under １."""
    for item in items:
        path = f"{prefix}{item.number}"
        yield item, path
        yield from _flatten_with_path(item.children, path)


def _flatten(items: list[RenderedItem]) -> list[RenderedItem]:
    out: list[RenderedItem] = []
    for item in items:
        out.append(item)
        out.extend(_flatten(item.children))
    return out


def render_report(
    *,
    fiscal_year: int,
    title: str,
    city: str,
    contents: list[dict],
    draft: bool = False,
    base_url: str | None = None,
    license_text: str = "",
) -> Rendered:
    """Render every file of a build except the PDF (which later phases make from `work`)."""
    problems = [c["department"] for c in contents if c["department"] in RESERVED_CODES]
    if problems:
        raise InvalidInput(
            "課のコードが公開サイトの予約語と重なっています: " + "、".join(problems),
            details={"department": "all, data, editions などは課のコードに使えません。"},
        )
    parts = [render_part(content) for content in contents]
    base_url = base_url or f"/reports/{fiscal_year}/"
    common = {
        "title": title,
        "fiscal_year": fiscal_year,
        "CITY_NAME": city,
        "parts": parts,
        "base_url": base_url,
        "draft": draft,
    }
    files: dict[str, bytes] = {}
    work: dict[str, bytes] = {}

    csv_entries = []
    zip_members: list[tuple[str, bytes]] = []
    for part in parts:
        for table in part.tables:
            data = csv_bytes(table.view)
            files[f"data/{table.filename}"] = data
            zip_members.append((table.filename, data))
            headers = csv_headers(table.view)
            csv_entries.append(
                {
                    "name": table.filename,
                    "title": table.title,
                    "department": {"code": table.department_code, "name": table.department_name},
                    "item": table.item_path,
                    "url": f"{base_url}data/{table.filename}",
                    "page": f"{base_url}{table.department_code}/#{table.anchor}",
                    "columns": [
                        _column_meta(col, header, table.view.unit)
                        for col, header in zip(table.view.columns, headers, strict=True)
                    ],
                    "rows": len(table.view.rows),
                    "notes": table.notes,
                    "sha256": sha256(data),
                    "bytes": len(data),
                }
            )
    index_json = data_index(
        fiscal_year=fiscal_year,
        title=title,
        city=city,
        license_text=license_text,
        entries=csv_entries,
    )
    files["data/index.json"] = index_json
    readme = README_TEMPLATE.format(title=title, city=city).encode()
    folder = f"jimuhokoku-{fiscal_year}"
    files["data.zip"] = zip_bytes(
        [*zip_members, ("index.json", index_json), ("README.txt", readme)], folder=folder
    )

    files["index.html"] = render_to_string("public/report_index.html", common).encode()
    files["all.html"] = render_to_string("public/report_all.html", common).encode()
    for index, part in enumerate(parts):
        context = {
            **common,
            "part": part,
            "department_name": part.name,
            "items": part.items,
            "previous": parts[index - 1] if index > 0 else None,
            "next": parts[index + 1] if index + 1 < len(parts) else None,
        }
        files[f"departments/{part.code}.html"] = render_to_string(
            "public/department.html", context
        ).encode()
        work[f"_work/pdf/{part.code}.html"] = render_to_string(
            "pdf/department.html", context
        ).encode()

    toc = [
        {
            "code": part.code,
            "name": part.name,
            "entries": [
                {"anchor": item.anchor, "number": item.number, "heading": item.heading}
                for item in part.items
            ],
        }
        for part in parts
    ]
    work["_work/toc.json"] = canonical_json(toc)
    search = [{"code": p.code, "name": p.name, "entries": _search_entries(p)} for p in parts]
    work["_work/search.json"] = canonical_json(search)
    return Rendered(files=files, work=work, parts=parts)
