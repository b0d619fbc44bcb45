"""Block kinds that embed finance records in a section, by key: one module a kind.

`resolve_many` loads every record the blocks of one kind refer to in a fixed number of queries
(and last year's, for the carry-over check); `resolved` holds the records in the interchange
format, so the snapshot freezes the figures as they were reviewed. `view` and `tables` compute
from `resolved` only; `strict_problems` lists the identities that do not hold, which blocks the
submission of the section.
"""

from __future__ import annotations

from typing import Any

from akiruno import cleaning
from finance import carryover
from reports import charts as chart_kit
from reports.blocks import BlockKind, Problem

TEMPLATE = "blocks/finance_tables.html"
KEY_LIMIT = 50  # the finance models' SlugField


def record_key(value: Any, where: str, errors: cleaning.Errors, what: str) -> str:
    if value in (None, ""):
        return ""
    if not cleaning.is_key(value, limit=KEY_LIMIT):
        errors.add(
            where, f"{what}のキー「{value}」は使えません（半角英小文字・数字・ハイフン・下線）。"
        )
        return ""
    return value


def differences(kind: str, record: dict, last: dict | None, where: str) -> list[Problem]:
    """Carry-over differences from last year's record that no note explains, as problems."""
    return [
        Problem(f"{where}{d.where}", f"{d.message}（前年度からの引継ぎと異なります）")
        for d in carryover.differences(kind, record, last)
        if not d.noted
    ]


class FinanceBlock(BlockKind):
    template_name = TEMPLATE
    field = ""
    what = ""
    # The charts that fit the kind's tables, the default first ("none" is always allowed).
    chart_kinds: tuple[str, ...] = ("bar",)

    def clean(self, data: Any) -> dict:
        errors = cleaning.Errors()
        data = cleaning.block_data(data, errors)
        value = record_key(data.get(self.field), f"/{self.field}", errors, self.what)
        chart = self.clean_chart(data, errors)
        errors.raise_if_any(self.label)
        return self.with_chart({self.field: value}, chart)

    def clean_chart(self, data: dict, errors: cleaning.Errors) -> str | None:
        return chart_kit.clean_chart(data.get("chart"), self.chart_kinds, errors.add)

    @staticmethod
    def with_chart(cleaned: dict, chart: str | None) -> dict:
        """The chart choice is stored only when made (older content has none: the default)."""
        return {**cleaned, "chart": chart} if chart is not None else cleaned

    def charts(self, data: dict, resolved: Any) -> list[list[chart_kit.Chart]]:
        """One list of charts per table of `tables`, in the same order."""
        return []

    def blank_data(self) -> dict:
        return {self.field: ""}

    def view(self, data: dict, resolved: Any, *, depth: int) -> dict:
        found = self.tables(data, resolved)
        drawn: list[list[chart_kit.Chart]] = []
        if found and chart_kit.chosen(data, self.chart_kinds) != "none":
            drawn = self.charts(data, resolved)
        drawn += [[] for _ in range(len(found) - len(drawn))]
        return {
            "data": data,
            "tables": found,
            "entries": [{"table": t, "charts": c} for t, c in zip(found, drawn, strict=False)],
            "missing": self.missing_message(data, resolved),
        }

    def missing_message(self, data: dict, resolved: Any) -> str:
        if not data.get(self.field):
            return f"{self.what}が選ばれていません。"
        if resolved is None:
            return f"{self.what}「{data[self.field]}」のデータがありません。"
        return ""

    def strict_problems(self, data: dict, resolved: Any) -> list[Problem]:
        missing = self.missing_message(data, resolved)
        if missing:
            return [Problem(f"/{self.field}", missing)]
        return self.record_problems(resolved)

    def record_problems(self, resolved: Any) -> list[Problem]:
        return []

    def _by_key(self, qs, datas: list[dict], fiscal_year: int) -> dict[str, Any]:
        keys = {d.get(self.field) for d in datas if d.get(self.field)}
        if not keys:
            return {}
        return {obj.key: obj for obj in qs.filter(fiscal_year=fiscal_year, key__in=keys)}

    def choices(self, *, fiscal_year: int) -> list[tuple[str, str]]:
        """What a block of this kind may refer to in a year: (key, title)."""
        return []
