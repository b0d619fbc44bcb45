"""Editor forms for block kinds: block data ⇄ form state (strings) ⇄ POST, and form operations.

A block's editor works on a *state*: the strings the person sees in the form's fields. The state
is built from the stored data (to open the editor), or from a POST (to save, or to show refused
input back as it was typed). Operations such as "add a row" change the state without saving it,
so nothing typed is lost and nothing is half-saved. Saving turns the state into raw data that
the block kind cleans: the kind stays the one place that validates.

Errors come back from the kind as JSON pointers (/rows/3/amount); `field_errors` maps them to
the form's field names so each message shows beside its field.
"""

from __future__ import annotations

from typing import Any

from django.http import QueryDict

from akiruno import numbers
from reports import blocks, tables

MONTHS = [
    "４月",
    "５月",
    "６月",
    "７月",
    "８月",
    "９月",
    "１０月",
    "１１月",
    "１２月",
    "１月",
    "２月",
    "３月",
]
MAX_FORM_ROWS = 2_000


def as_text(value: Any) -> str:
    return "" if value is None else str(value)


def checked(post: QueryDict, name: str) -> bool:
    return post.get(name) in {"1", "on", "true", "yes"}


def bounded_int(value: Any, default: int, low: int, high: int) -> int:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return default
    return max(low, min(high, number))


def row_count(post: QueryDict, name: str, limit: int = MAX_FORM_ROWS) -> int:
    return bounded_int(post.get(name), 0, 0, limit)


def cell_text(col: dict, value: Any) -> str:
    """A stored cell as the person edits it: 3,960,000, △16,658, 2024-10-15, one line a bullet."""
    ctype = col.get("type", "text")
    if value is None:
        return ""
    if ctype in tables.NUMERIC_TYPES:
        return numbers.format_integer(int(value))
    if ctype == "date_range":
        return f"{value['start']}～{value['end']}"
    if ctype == "lines":
        return "\n".join(value)
    return str(value)


def swap(seq: list, index: int, delta: int) -> None:
    other = index + delta
    if 0 <= index < len(seq) and 0 <= other < len(seq):
        seq[index], seq[other] = seq[other], seq[index]


class Editor:
    """The default editor: one per kind; subclasses know their kind's fields."""

    template_name = "staff/sections/blocks/generic.html"

    def initial(self, data: dict) -> dict:
        return {"data": data}

    def from_post(self, post: QueryDict, data: dict) -> dict:
        return self.initial(data)

    def apply(self, state: dict, op: str, arg: int | None) -> dict:
        return state

    def to_data(self, state: dict, data: dict) -> dict:
        return data

    def paste(self, state: dict, start_row: int, start_col: int) -> dict:
        from akiruno.exceptions import InvalidInput

        raise InvalidInput("この種類のブロックには、Excel の範囲を貼り付けられません。")

    def field_errors(self, details: dict, state: dict) -> dict[str, str]:
        return {}

    def place(self, pointer: str, state: dict) -> str:
        return pointer


class GenericEditor(Editor):
    """Kinds this editor does not know (registered by other apps): a simple field per key of
    the kind's blank data when the value is plain (text, number, yes/no, list of lines);
    anything more structured is left as it is, to be edited in the kind's own screen."""

    template_name = "staff/sections/blocks/generic.html"

    @staticmethod
    def _simple(value: Any) -> str | None:
        if isinstance(value, bool):
            return "bool"
        if isinstance(value, int):
            return "int"
        if isinstance(value, str):
            return "str"
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return "lines"
        return None

    def fields(self, kind: blocks.BlockKind, data: dict) -> list[dict]:
        try:
            blank = kind.blank_data()
        except Exception:
            blank = {}
        keys = [k for k in dict.fromkeys([*blank.keys(), *data.keys()]) if k != "chart"]
        out = []
        for key in keys:
            value = data.get(key, blank.get(key))
            ftype = self._simple(value if value is not None else blank.get(key))
            out.append({"key": key, "type": ftype, "value": value})
        return out

    def initial(self, data: dict) -> dict:
        values = {}
        for key, value in data.items():
            ftype = self._simple(value)
            if ftype == "lines":
                values[key] = "\n".join(value)
            elif ftype in {"str", "int"}:
                values[key] = as_text(value)
            elif ftype == "bool":
                values[key] = value
        return {"values": values}

    def from_post(self, post: QueryDict, data: dict) -> dict:
        values = {}
        for key, value in data.items():
            ftype = self._simple(value)
            if ftype == "bool":
                values[key] = checked(post, f"f-{key}")
            elif ftype in {"str", "int", "lines"}:
                values[key] = post.get(f"f-{key}", "")
        return {"values": values}

    def to_data(self, state: dict, data: dict) -> dict:
        out = dict(data)
        for key, value in state["values"].items():
            ftype = self._simple(data.get(key))
            if ftype == "lines":
                out[key] = [line for line in str(value).split("\n") if line.strip()]
            elif ftype == "int":
                try:
                    out[key] = numbers.parse_integer(str(value))
                except Exception:
                    out[key] = value  # the kind's clean names the problem
            else:
                out[key] = value
        return out

    def field_errors(self, details: dict, state: dict) -> dict[str, str]:
        out = {}
        for p, m in details.items():
            key = p.strip("/").split("/")[0]
            out[f"f-{key}" if key else "block"] = m
        return out


# -- the chart choice, for every kind that lists charts (reports/charts.py) -------------------

CHART_STATE = "_chart"


def chart_choice(state: dict, data: dict) -> str:
    """The chart chosen in the form ('' = the kind's default)."""
    return str(state.get(CHART_STATE, data.get("chart") or ""))


def chart_options(kind: blocks.BlockKind, current: str) -> list[tuple[str, str, bool]]:
    """(value, label, selected) of the chart select; empty for kinds without charts."""
    from reports import charts

    kinds = tuple(getattr(kind, "chart_kinds", ()))
    if not kinds:
        return []
    allowed = list(dict.fromkeys([*kinds, "none"]))
    options = [("", f"既定（{charts.CHART_LABELS[kinds[0]]}）", current == "")]
    options += [(k, charts.CHART_LABELS[k], current == k) for k in allowed]
    return options


def with_chart_choice(kind: blocks.BlockKind | None, data: dict, state: dict) -> dict:
    """The data to save with the form's chart choice (left out when it is the default)."""
    if kind is None or not getattr(kind, "chart_kinds", ()) or CHART_STATE not in state:
        return data
    data = {key: value for key, value in data.items() if key != "chart"}
    if state[CHART_STATE]:
        data["chart"] = state[CHART_STATE]  # the kind's clean refuses a kind that does not fit
    return data


GENERIC = GenericEditor()


def editor_for(kind: str) -> Editor:
    """The editor of a registered kind; the generic field editor for kinds without one."""
    registered = blocks.kinds().get(kind)
    return (registered.editor if registered else None) or GENERIC


def parse_op(value: str | None) -> tuple[str, int | None]:
    """'del_row:3' → ('del_row', 3); '' or 'save' → ('save', None)."""
    if not value:
        return "save", None
    name, _, arg = value.partition(":")
    try:
        return name, int(arg) if arg else None
    except ValueError:
        return name, None
