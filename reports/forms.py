"""The block editors' entry points for the views; each kind's editor lives in its own module.

See reports.blocks.editing for how an editor works (data ⇄ form state ⇄ POST).
"""

from reports.blocks.editing import (
    MAX_FORM_ROWS,
    MONTHS,
    Editor,
    GenericEditor,
    editor_for,
    parse_op,
)
from reports.blocks.editing import (
    bounded_int as _int,
)

__all__ = ["MAX_FORM_ROWS", "MONTHS", "Editor", "GenericEditor", "_int", "editor_for", "parse_op"]
