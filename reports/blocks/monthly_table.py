"""Monthly tables (月別表): ４月 … ３月 with 合計 and/or 月平均, one or more measures."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import QueryDict

from akiruno import cleaning, numbers
from akiruno.exceptions import InvalidInput
from reports import charts as chart_kit
from reports import tables
from reports.blocks import BlockKind, Problem, register
from reports.blocks.editing import MONTHS, Editor, bounded_int, checked, row_count, swap


class MonthlyEditor(Editor):
    template_name = "staff/sections/blocks/monthly_table.html"

    def initial(self, data: dict) -> dict:
        return {
            "caption": data.get("caption", ""),
            "row_label": data.get("row_label", "月"),
            "summary_sum": "sum" in data.get("summary", []),
            "summary_average": "average" in data.get("summary", []),
            "split": data.get("split", 1),
            "digits": data.get("digits", "half"),
            "measures": [
                {
                    "label": m.get("label", ""),
                    "unit": m.get("unit", ""),
                    "values": [
                        numbers.format_integer(v) if v is not None else "" for v in m["values"]
                    ],
                }
                for m in data.get("measures", [])
            ],
            "paste": "",
        }

    def from_post(self, post: QueryDict, data: dict) -> dict:
        n = row_count(post, "measure_count", 10)
        return {
            "caption": post.get("caption", ""),
            "row_label": post.get("row_label", "月"),
            "summary_sum": checked(post, "summary_sum"),
            "summary_average": checked(post, "summary_average"),
            "split": bounded_int(post.get("split"), 1, 1, 2),
            "digits": post.get("digits", "half"),
            "measures": [
                {
                    "label": post.get(f"m-{i}-label", ""),
                    "unit": post.get(f"m-{i}-unit", ""),
                    "values": [post.get(f"m-{i}-v-{k}", "") for k in range(12)],
                }
                for i in range(n)
            ],
            "paste": post.get("paste", ""),
        }

    def apply(self, state: dict, op: str, arg: int | None) -> dict:
        measures = state["measures"]
        if op == "add_measure" and len(measures) < 10:
            measures.append({"label": "", "unit": "", "values": [""] * 12})
        elif (
            op == "del_measure"
            and arg is not None
            and 0 <= arg < len(measures)
            and len(measures) > 1
        ):
            measures.pop(arg)
        elif op in {"up_measure", "down_measure"} and arg is not None:
            swap(measures, arg, -1 if op == "up_measure" else 1)
        return state

    def paste(self, state: dict, start_row: int, start_col: int) -> dict:
        """Fill measures from pasted rows: twelve values a row, April first; a leading label
        cell (件数) is taken as the measure's name."""
        from reports.spreadsheets import parse_pasted

        pasted = parse_pasted(state["paste"])
        start_col = max(0, min(start_col, 11))
        errors = {}
        parsed = []
        for i, row in enumerate(pasted):
            label, first = None, start_col
            if len(row) == 13:
                label, row = row[0], row[1:]
            if len(row) == 12:
                first = 0  # a whole year: April to March, wherever it was pasted
            elif first + len(row) > 12:
                errors[f"/paste/{i}"] = (
                    f"貼り付けた{i + 1}行目のセルが{len(row)}個です。{MONTHS[first]}からは"
                    f"{12 - first}個まで、４月から３月までなら12個"
                    "（先頭に項目名を付けるなら13個）にしてください。"
                )
                continue
            parsed.append((label, first, row))
        if errors:
            raise InvalidInput(
                "貼り付けた内容の形が月別表と合いません。何も変更していません。", details=errors
            )
        for i, (label, first, row) in enumerate(parsed):
            index = start_row + i
            while len(state["measures"]) <= index:
                state["measures"].append({"label": "", "unit": "", "values": [""] * 12})
            if label:
                state["measures"][index]["label"] = str(label)
            values = state["measures"][index]["values"]
            for k, v in enumerate(row):
                values[first + k] = "" if v is None else str(v)
        state["paste"] = ""
        return state

    def to_data(self, state: dict, data: dict) -> dict:
        summary = [op for op in ("sum", "average") if state[f"summary_{op}"]]
        if state["summary_average"] and state["summary_sum"] and state["split"] == 2:
            summary = ["average", "sum"]
        return {
            "caption": state["caption"],
            "row_label": state["row_label"],
            "summary": summary,
            "split": state["split"],
            "digits": state["digits"],
            "measures": [
                {
                    "label": m["label"],
                    "unit": m["unit"],
                    "values": [v if v.strip() else None for v in m["values"]],
                }
                for m in state["measures"]
            ],
        }

    def field_errors(self, details: dict, state: dict) -> dict[str, str]:
        out = {}
        for p, m in details.items():
            if mm := re.fullmatch(r"/measures/(\d+)/values/(\d+)", p):
                out[f"m-{mm[1]}-v-{mm[2]}"] = m
            elif mm := re.fullmatch(r"/measures/(\d+)/(\w+)", p):
                out[f"m-{mm[1]}-{mm[2]}"] = m
            else:
                out[p.strip("/").replace("/", "-") or "block"] = m
        return out

    def place(self, pointer: str, state: dict) -> str:
        if mm := re.fullmatch(r"/measures/(\d+)/values/(\d+)", pointer):
            label = (
                state["measures"][int(mm[1])]["label"]
                if int(mm[1]) < len(state["measures"])
                else ""
            )
            return f"「{label}」{MONTHS[int(mm[2])]}"
        if mm := re.match(r"/measures/(\d+)", pointer):
            return f"{int(mm[1]) + 1}行目の項目"
        return "月別表"


@register
class MonthlyTableBlock(BlockKind):
    """The fiscal-month preset: ４月 … ３月 with 合計 and/or 月平均, one or more measures."""

    kind = "monthly_table"
    label = "月別表"
    template_name = "blocks/monthly_table.html"
    editor = MonthlyEditor()
    menu_position = 4
    captioned_by_data = True
    # One chart per measure over ４月…３月; bars by default ("none" turns them off).
    chart_kinds = ("bar", "line")
    schema = {
        "type": "object",
        "properties": {
            "caption": {"type": "string"},
            "row_label": {"type": "string"},
            "measures": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "label": {"type": "string", "minLength": 1},
                        "unit": {"type": "string"},
                        "values": {
                            "type": "array",
                            "items": {"type": ["integer", "null"]},
                            "minItems": 12,
                            "maxItems": 12,
                        },
                    },
                    "additionalProperties": False,
                    "required": ["label", "values"],
                },
                "minItems": 1,
            },
            "summary": {"type": "array", "items": {"enum": ["sum", "average"]}},
            "split": {"enum": [1, 2]},
            "digits": {"enum": ["half", "full"]},
            "chart": {
                "enum": ["bar", "line", "none"],
                "description": "グラフ: "
                "bar=棒グラフ、line=折れ線グラフ、none=表示しない（省略時は "
                "bar）",
            },
        },
        "additionalProperties": False,
        "required": ["measures"],
    }

    def blank_data(self) -> dict:
        return self.clean(
            {"measures": [{"label": "件数", "values": [None] * 12}], "summary": ["sum"]}
        )

    def clean(self, data: Any) -> dict:
        errors = cleaning.Errors()
        data = cleaning.block_data(data, errors)
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
                    "label": cleaning.text(
                        measure.get("label"),
                        f"/measures/{m}/label",
                        errors,
                        required=True,
                        limit=50,
                    ),
                    "unit": cleaning.text(
                        measure.get("unit"), f"/measures/{m}/unit", errors, limit=20
                    ),
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
        caption = cleaning.text(data.get("caption"), "/caption", errors, limit=200)
        row_label = cleaning.text(data.get("row_label") or "月", "/row_label", errors, limit=20)
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
