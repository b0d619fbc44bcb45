"""Grid entry: each finance record as input grids laid out like its printed table.

A form turns a record (interchange dict) into grids of text inputs, and the POSTed grid back into
a raw record for finance.validation, remembering which input each JSON pointer came from, so an
error is shown at its cell. Computed columns (補正予算額合計, 最終予算額, 合計 rows, 増△減, 比率,
借入額, 年度末現在高 …) are outputs, never inputs; they are filled from the computation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from akiruno import numbers
from akiruno.wareki import to_halfwidth

from . import compute
from .validation import KINDS as ACCOUNT_KINDS
from .validation import UNITS

MAX_EXTRA_ROWS = 50


@dataclass
class Column:
    key: str
    label: str
    kind: str = "amount"  # amount | text | wide | number | date | rate | computed
    group: str = ""

    @property
    def is_input(self) -> bool:
        return self.kind != "computed"


@dataclass
class Cell:
    column: Column
    id: str
    name: str = ""
    value: str = ""
    error: str = ""
    is_label: bool = False

    @property
    def is_input(self) -> bool:
        return bool(self.name)


@dataclass
class GridRow:
    cells: list[Cell]
    kind: str = "body"  # body | total
    label: str = ""


@dataclass
class Grid:
    name: str
    caption: str
    columns: list[Column]
    rows: list[GridRow] = field(default_factory=list)
    count: int = 0

    @property
    def groups(self) -> list[tuple[str, int]]:
        out: list[tuple[str, int]] = []
        for col in self.columns:
            if out and col.group and out[-1][0] == col.group:
                out[-1] = (col.group, out[-1][1] + 1)
            else:
                out.append((col.group, 1))
        return out

    @property
    def has_groups(self) -> bool:
        return any(col.group for col in self.columns)


@dataclass
class Field:
    name: str
    label: str
    value: str = ""
    kind: str = "text"  # text | select | number | textarea
    choices: list[tuple[str, str]] = field(default_factory=list)
    help: str = ""
    error: str = ""

    @property
    def id(self) -> str:
        return f"f-{self.name}"


def shown(value: Any) -> str:
    """An input's initial text: amounts as printed (1,560,383, △16,658), blanks empty."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return numbers.format_integer(value)
    return str(value)


def _blank(values: dict[str, str]) -> bool:
    return all(not (v or "").strip() for v in values.values())


class RecordForm:
    """Base: header fields, grids, the raw record from a POST, errors at cells."""

    kind = ""

    def __init__(self, data: dict, *, post: QueryDict | None = None, extra: int = 3) -> None:
        self.data = data
        self.post = post
        self.extra = max(0, min(extra, MAX_EXTRA_ROWS))
        self.cellmap: dict[str, str] = {}  # JSON pointer -> cell or field id
        self.cells: dict[str, Cell] = {}
        self.fields = self.header_fields()
        if post is not None:
            for f in self.fields:
                f.value = post.get(f.name, "")
        self.grids: list[Grid] = []
        self.raw: dict = {}
        self.build()

    # -- to implement ---------------------------------------------------------------------
    def header_fields(self) -> list[Field]:
        return []

    def build(self) -> None:
        raise NotImplementedError

    def fill_computed(self, clean: dict) -> None:
        """Put computed figures into the output cells."""

    # -- shared ---------------------------------------------------------------------------
    def field_value(self, name: str) -> str:
        return next(f.value for f in self.fields if f.name == name)

    def grid(self, name: str, caption: str, columns: list[Column], records: list[dict]) -> Grid:
        """A grid with one row per record plus blank rows; on POST, the posted rows."""
        grid = Grid(name, caption, columns)
        if self.post is not None:
            count = _int(self.post.get(f"{name}-rows"), len(records))
            rows = [
                {c.key: self.post.get(f"{name}-{i}-{c.key}", "") for c in columns if c.is_input}
                for i in range(min(count, 2000))
            ]
        else:
            rows = [{c.key: shown(r.get(c.key)) for c in columns if c.is_input} for r in records]
            rows += [{c.key: "" for c in columns if c.is_input} for _ in range(self.extra)]
        grid.count = len(rows)
        for i, values in enumerate(rows):
            cells = []
            for c in columns:
                cell_id = f"{name}-{i}-{c.key}"
                cell = Cell(c, cell_id, cell_id if c.is_input else "", values.get(c.key, ""))
                self.cells[cell_id] = cell
                cells.append(cell)
            grid.rows.append(GridRow(cells, label=f"{i + 1}行目"))
        self.grids.append(grid)
        return grid

    def total_row(self, grid: Grid, label: str = "合計") -> GridRow:
        cells = []
        label_key = next(
            (c.key for c in grid.columns if c.key in {"name", "label", "purpose", "lender"}),
            grid.columns[0].key,
        )
        for c in grid.columns:
            cell_id = f"{grid.name}-total-{c.key}"
            is_label = c.key == label_key
            cell = Cell(c, cell_id, "", label if is_label else "", is_label=is_label)
            self.cells[cell_id] = cell
            cells.append(cell)
        row = GridRow(cells, kind="total", label=label)
        grid.rows.append(row)
        return row

    def posted_rows(self, grid: Grid) -> list[tuple[int, dict[str, str]]]:
        out = []
        for i, row in enumerate(grid.rows):
            if row.kind != "body":
                continue
            values = {c.column.key: c.value for c in row.cells if c.is_input}
            if not _blank(values):
                out.append((i, values))
        return out

    def link(self, pointer: str, grid: Grid, index: int, key: str) -> None:
        self.cellmap[pointer] = f"{grid.name}-{index}-{key}"

    def set_output(self, cell_id: str, value: Any, *, ratio: bool = False) -> None:
        cell = self.cells.get(cell_id)
        if cell is None:
            return
        if ratio:
            cell.value = numbers.format_decimal(value, 1)
        elif value is None:
            cell.value = ""
        else:
            cell.value = numbers.format_integer(value)

    def apply_errors(self, details: dict[str, str]) -> list[tuple[str, str]]:
        """Mark the cells the errors point at; return (anchor id, message) for the summary."""
        summary = []
        for pointer, message in details.items():
            target = self.cellmap.get(pointer)
            if target is None:
                # e.g. "/parts/0/total/final" -> the grid's total row; else the nearest cell
                head = pointer
                while head and head not in self.cellmap:
                    head = head.rpartition("/")[0]
                target = self.cellmap.get(head)
            if target and target in self.cells:
                self.cells[target].error = message
            for f in self.fields:
                if target == f.id:
                    f.error = message
            summary.append((target or "", message))
        return summary

    @property
    def outputs(self) -> list[Cell]:
        return [c for c in self.cells.values() if not c.is_input and not c.is_label]


def _int(value: Any, default: int) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return default


def _common_fields(
    data: dict, *, name_field: str = "name", name_label: str = "名称"
) -> list[Field]:
    return [
        Field(name_field, name_label, shown(data.get(name_field))),
        Field(
            "key",
            "キー（半角英小文字）",
            shown(data.get("key")),
            help="報告書のブロックからこの表を参照する名前です（例: kokuho）。",
        ),
        Field("unit", "単位", data.get("unit") or "千円", "select", [(u, u) for u in UNITS]),
        Field("order", "表示順", shown(data.get("order", 0)), "number"),
    ]


def _header_raw(form: RecordForm, names: list[str]) -> dict:
    out = {}
    for name in names:
        out[name] = form.field_value(name)
        form.cellmap[f"/{name}"] = f"f-{name}"
    return out


# -- accounts ----------------------------------------------------------------------------------


class AccountForm(RecordForm):
    kind = "account"

    def header_fields(self) -> list[Field]:
        data = self.data
        return [
            *_common_fields(data, name_label="会計名"),
            Field(
                "kind",
                "種別",
                data.get("kind") or "special",
                "select",
                list(ACCOUNT_KINDS.items()),
            ),
            Field(
                "supplementary_count",
                "補正予算の数（第n号まで）",
                shown(data.get("supplementary_count", 0)),
                "number",
                help="増やすと入力欄の列が増えます（保存後）。",
            ),
        ]

    @property
    def n(self) -> int:
        return int(self.data.get("supplementary_count") or 0)

    def columns(self, part: str) -> list[Column]:
        n = self.n
        cols = [
            Column("number", "款", "number"),
            Column("name", "科目", "text"),
            Column("initial", "当初予算額"),
        ]
        cols += [Column(f"s{k}", f"第{k}号", group="補正予算額") for k in range(1, n + 1)]
        if n > 1:
            cols.append(Column("supplementary_total", "合計", "computed", "補正予算額"))
        if part not in compute.REVENUE_PARTS:
            cols.append(Column("appropriation", "充当額"))
        cols += [Column("final", "最終予算額", "computed"), Column("settlement", "決算額")]
        return cols

    def build(self) -> None:
        raw = _header_raw(self, ["name", "key", "unit", "order", "kind", "supplementary_count"])
        raw["parts"] = []
        self.row_lines: dict[str, list[tuple[int, tuple[int, ...]]]] = {}
        parts = self.data.get("parts") or [
            {"part": p, "lines": []}
            for p in compute.PARTS_BY_KIND[self.data.get("kind") or "special"]
        ]
        for p_index, part in enumerate(parts):
            flat = []
            for line in part["lines"]:
                flat.append(_line_row(line, None))
                flat += [_line_row(child, line) for child in line.get("children") or []]
            grid = self.grid(
                part["part"], compute.PART_LABELS[part["part"]], self.columns(part["part"]), flat
            )
            lines, mapping = self.lines_from(grid, p_index)
            self.row_lines[part["part"]] = mapping
            self.total_row(grid)
            self.cellmap[f"/parts/{p_index}/total"] = f"{grid.name}-total-final"
            raw["parts"].append({"part": part["part"], "lines": lines})
        self.raw = raw

    def lines_from(
        self, grid: Grid, p: int
    ) -> tuple[list[dict], list[tuple[int, tuple[int, ...]]]]:
        """Grid rows to raw lines; a number "1-2" puts the row under 款 1 as its 項 2."""
        n = self.n
        lines: list[dict] = []
        where: list[tuple[int, tuple[int, ...]]] = []
        for i, values in self.posted_rows(grid):
            number = numbers_text(values.get("number", ""))
            parent_number, _, child_number = number.partition("-")
            line = {
                "number": child_number if child_number else number,
                "name": values.get("name", ""),
                "initial": values.get("initial", ""),
                "supplementary": [values.get(f"s{k}", "") for k in range(1, n + 1)],
                "appropriation": values.get("appropriation", ""),
                "settlement": values.get("settlement", ""),
                "children": [],
            }
            if child_number:
                parent = next((x for x in reversed(lines) if x["number"] == parent_number), None)
                if parent is not None:
                    parent["children"].append(line)
                    index = (lines.index(parent), len(parent["children"]) - 1)
                    pointer = f"/parts/{p}/lines/{index[0]}/children/{index[1]}"
                    self._link_line(pointer, grid, i)
                    where.append((i, index))
                    continue
                line["number"] = number  # no such 款: kept as typed, validation names it
            lines.append(line)
            index = (len(lines) - 1,)
            self._link_line(f"/parts/{p}/lines/{index[0]}", grid, i)
            where.append((i, index))
        return lines, where

    def _link_line(self, pointer: str, grid: Grid, i: int) -> None:
        for key in ("number", "name", "initial", "appropriation", "settlement"):
            self.link(f"{pointer}/{key}", grid, i, key)
        for k in range(1, self.n + 1):
            self.link(f"{pointer}/supplementary/{k - 1}", grid, i, f"s{k}")
        self.link(f"{pointer}/children", grid, i, "name")
        self.cellmap[pointer] = f"{grid.name}-{i}-name"

    def fill_computed(self, clean: dict) -> None:
        n = clean["supplementary_count"]
        if n != self.n:
            return
        for part in clean["parts"]:
            for i, index in self.row_lines.get(part["part"], []):
                line = part["lines"][index[0]] if index[0] < len(part["lines"]) else None
                if line is not None and len(index) == 2:
                    children = line.get("children") or []
                    line = children[index[1]] if index[1] < len(children) else None
                if line is None:
                    continue
                figures = compute.line_figures(line, n)
                self.set_output(
                    f"{part['part']}-{i}-supplementary_total", figures.supplementary_total
                )
                self.set_output(f"{part['part']}-{i}-final", figures.final)
            total = compute.total_figures(part["lines"], n)
            for key in compute.budget_keys(n):
                self.set_output(f"{part['part']}-total-{key}", total.column(key))


def numbers_text(text: str) -> str:
    """A typed line number, half-width: "１－２" → "1-2"."""
    return to_halfwidth(text or "").strip().replace("−", "-").replace("‐", "-")


def _line_row(line: dict, parent: dict | None) -> dict:
    row = {
        "number": f"{parent['number']}-{line['number']}" if parent else line["number"],
        "name": line["name"],
        "initial": line.get("initial"),
        "appropriation": line.get("appropriation"),
        "settlement": line.get("settlement"),
    }
    if line.get("children"):
        row.update(initial=None, appropriation=None, settlement=None)
    for k, value in enumerate(line.get("supplementary") or [], start=1):
        row[f"s{k}"] = None if line.get("children") else value
    return row


# -- comparison tables ---------------------------------------------------------------------------


class ComparisonForm(RecordForm):
    kind = "comparison"
    COLUMNS = [
        Column("letter", "記号", "number"),
        Column("label", "区分", "text"),
        Column("formula", "計算式（例: ア-イ）", "number"),
        Column("current", "本年度"),
        Column("previous", "前年度"),
        Column("difference", "増△減", "computed", "対前年度比較"),
        Column("ratio", "比率（％）", "computed", "対前年度比較"),
    ]

    def header_fields(self) -> list[Field]:
        data = self.data
        return [
            *_common_fields(data, name_field="title", name_label="表題"),
            Field(
                "carryover_note",
                "前年度欄が前年度の表と異なる理由",
                shown(data.get("carryover_note")),
                "textarea",
                help="異なる場合だけ記入します。",
            ),
        ]

    def build(self) -> None:
        raw = _header_raw(self, ["title", "key", "unit", "order", "carryover_note"])
        rows = [
            {**r, "formula": compute.formula_display(r["formula"]) if r.get("formula") else ""}
            for r in self.data.get("rows", [])
        ]
        grid = self.grid("rows", self.data.get("title") or "年度比較表", self.COLUMNS, rows)
        raw["rows"] = []
        self.row_index = []
        for i, values in self.posted_rows(grid):
            r = len(raw["rows"])
            raw["rows"].append(
                {
                    k: values.get(k, "")
                    for k in ("letter", "label", "formula", "current", "previous")
                }
            )
            for key in ("letter", "label", "formula", "current", "previous"):
                self.link(f"/rows/{r}/{key}", grid, i, key)
            self.cellmap[f"/rows/{r}"] = f"rows-{i}-label"
            self.row_index.append(i)
        self.raw = raw

    def fill_computed(self, clean: dict) -> None:
        figures = compute.comparison_figures(clean["rows"])
        for i, fig in zip(self.row_index, figures, strict=False):
            self.set_output(f"rows-{i}-difference", fig.difference)
            self.set_output(f"rows-{i}-ratio", fig.ratio, ratio=True)


# -- bonds ---------------------------------------------------------------------------------------


class BondsForm(RecordForm):
    kind = "bonds"
    LOANS = [
        Column("purpose", "借入目的", "wide"),
        Column("amount", "借入額"),
        Column("date", "借入日", "date"),
        Column("lender", "借入先", "text"),
        Column("rate", "利率（％）", "rate"),
        Column("term_years", "償還期間（年）", "number"),
        Column("grace_years", "据置期間（年）", "number"),
    ]
    BALANCES = [
        Column("lender", "借入先", "text"),
        Column("opening", "前年度末現在高"),
        Column("borrowed", "借入額", "computed"),
        Column("repaid", "元金償還額"),
        Column("closing", "年度末現在高", "computed"),
        Column("carryover_note", "前年度と異なる理由", "wide"),
    ]

    def header_fields(self) -> list[Field]:
        fields = [
            Field(
                "unit", "単位", self.data.get("unit") or "千円", "select", [(u, u) for u in UNITS]
            )
        ]
        accounts = self.data.get("_accounts")
        if accounts is not None:  # a new ledger: choose its account (fixed afterwards)
            fields.insert(
                0,
                Field(
                    "account",
                    "会計",
                    self.data.get("account") or "",
                    "select",
                    [("", "一般会計"), *accounts],
                    help="地方債の台帳は会計ごとに一つです。作成後は会計を変更できません。",
                ),
            )
        return fields

    def build(self) -> None:
        names = [f.name for f in self.fields]
        raw = _header_raw(self, names)
        loans = self.grid("loans", "借入状況", self.LOANS, self.data.get("loans", []))
        raw["loans"] = []
        for i, values in self.posted_rows(loans):
            r = len(raw["loans"])
            raw["loans"].append({**values})
            for c in self.LOANS:
                self.link(f"/loans/{r}/{c.key}", loans, i, c.key)
            self.cellmap[f"/loans/{r}"] = f"loans-{i}-purpose"
        self.total_row(loans)
        balances = self.grid(
            "balances", "借入先別現在高", self.BALANCES, self.data.get("balances", [])
        )
        raw["balances"] = []
        self.balance_rows = []
        for i, values in self.posted_rows(balances):
            r = len(raw["balances"])
            raw["balances"].append({**values})
            for c in self.BALANCES:
                if c.is_input:
                    self.link(f"/balances/{r}/{c.key}", balances, i, c.key)
            self.cellmap[f"/balances/{r}"] = f"balances-{i}-lender"
            self.balance_rows.append(i)
        self.cellmap["/balances"] = "balances-0-lender"
        self.total_row(balances)
        self.raw = raw

    def fill_computed(self, clean: dict) -> None:
        figures = compute.bond_figures(clean)
        for i, b in zip(self.balance_rows, figures.balances, strict=False):
            self.set_output(f"balances-{i}-borrowed", b.borrowed)
            self.set_output(f"balances-{i}-closing", b.closing)
        self.set_output("loans-total-amount", figures.loans_total)
        for key in ("opening", "borrowed", "repaid", "closing"):
            self.set_output(f"balances-total-{key}", getattr(figures.total, key))


# -- funds and grants ------------------------------------------------------------------------------


class FundForm(RecordForm):
    kind = "fund"
    ENTRY = [Column("label", "内容", "wide"), Column("amount", "金額")]
    GRIDS = [
        ("deposits", "積立額の内訳"),
        ("withdrawals", "繰入額の内訳"),
        ("sub_balances", "目的別現在高"),
    ]

    def header_fields(self) -> list[Field]:
        data = self.data
        return [
            *_common_fields(data, name_label="基金名"),
            Field("opening", "前年度末現在高", shown(data.get("opening"))),
            Field(
                "carryover_note",
                "前年度末現在高が前年度の年度末現在高と異なる理由",
                shown(data.get("carryover_note")),
                "textarea",
                help="異なる場合だけ記入します。",
            ),
        ]

    def build(self) -> None:
        raw = _header_raw(self, ["name", "key", "unit", "order", "opening", "carryover_note"])
        for name, caption in self.GRIDS:
            grid = self.grid(name, caption, self.ENTRY, self.data.get(name, []))
            raw[name] = []
            for i, values in self.posted_rows(grid):
                r = len(raw[name])
                raw[name].append(values)
                self.link(f"/{name}/{r}/label", grid, i, "label")
                self.link(f"/{name}/{r}/amount", grid, i, "amount")
            self.total_row(grid, "計")
            self.cellmap[f"/{name}"] = f"{name}-total-amount"
        self.raw = raw

    def fill_computed(self, clean: dict) -> None:
        figures = compute.fund_figures(clean)
        self.set_output("deposits-total-amount", figures.deposits)
        self.set_output("withdrawals-total-amount", figures.withdrawals)
        self.set_output("sub_balances-total-amount", figures.sub_balances)
        self.closing = figures.closing


class GrantForm(RecordForm):
    kind = "grant"
    COLUMNS = [
        Column("name", "事業名", "text"),
        Column("amount", "充当額"),
        Column("description", "事業内容", "wide"),
    ]

    def header_fields(self) -> list[Field]:
        data = self.data
        return [
            *_common_fields(data, name_label="交付金名"),
            Field("received", "交付額", shown(data.get("received"))),
        ]

    def build(self) -> None:
        raw = _header_raw(self, ["name", "key", "unit", "order", "received"])
        grid = self.grid("projects", "充当事業", self.COLUMNS, self.data.get("projects", []))
        raw["projects"] = []
        for i, values in self.posted_rows(grid):
            r = len(raw["projects"])
            raw["projects"].append(values)
            for c in self.COLUMNS:
                self.link(f"/projects/{r}/{c.key}", grid, i, c.key)
        self.total_row(grid)
        self.cellmap["/projects"] = "projects-total-amount"
        self.raw = raw

    def fill_computed(self, clean: dict) -> None:
        self.set_output("projects-total-amount", compute.grant_total(clean))


FORMS: dict[str, type[RecordForm]] = {
    "account": AccountForm,
    "comparison": ComparisonForm,
    "bonds": BondsForm,
    "fund": FundForm,
    "grant": GrantForm,
}
