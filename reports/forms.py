"""The block editors' entry points for the views; each kind's editor lives in its own module.

See reports.blocks.editing for how an editor works (data ⇄ form state ⇄ POST).
"""

from reports.blocks.editing import (
    CHART_STATE,
    MAX_FORM_ROWS,
    MONTHS,
    Editor,
    GenericEditor,
    chart_choice,
    chart_options,
    editor_for,
    parse_op,
    with_chart_choice,
)
from reports.blocks.editing import (
    bounded_int as _int,
)

__all__ = [
    "CHART_STATE",
    "MAX_FORM_ROWS",
    "MONTHS",
    "Editor",
    "GenericEditor",
    "_int",
    "chart_choice",
    "chart_options",
    "editor_for",
    "parse_op",
    "with_chart_choice",
]
