"""The registry of block kinds.

A block kind is one module (reports/blocks/<kind>.py, or the owning app's blocks/<kind>.py)
whose class knows everything about the kind: how to clean its data (the one place input is
validated), list submit-time problems, resolve references to records outside the section in
bulk, turn its data into a view for its template and into tables for open data and
spreadsheets, edit it in a form (`editor`), show it in a diff and in search, and describe its
data in the interchange JSON Schema (`schema`).

Adding a kind touches no workflow, view, build or schema code: write the module, register the
class, give it a template (docs/architecture.md, "Adding a block kind").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from typing import Any, ClassVar

from django.template.loader import render_to_string
from django.utils.html import strip_tags

from akiruno.exceptions import InvalidInput

_SPACES = re.compile(r"\s+")


def plain_text(html: str) -> str:
    """Visible text of rendered HTML; table cells and list entries separated by spaces."""
    spaced = html.replace("<", " <")
    return _SPACES.sub(" ", unescape(strip_tags(spaced))).strip()


@dataclass(frozen=True)
class Problem:
    """A problem found by strict (submit-time) validation, at a JSON-pointer-like place."""

    where: str
    message: str


class BlockKind:
    kind: ClassVar[str] = ""
    label: ClassVar[str] = ""
    template_name: ClassVar[str] = ""
    editor: ClassVar[Any] = None
    """The form that edits the kind (reports.blocks.editing); None: the generic field editor."""
    menu_position: ClassVar[int] = 100
    """Place in the "add a block" menu (lower first; equal places by name)."""
    collection: ClassVar[str] = ""
    """The public API collection that lists this kind's blocks ("meetings"), if any."""
    accepts_rows: ClassVar[bool] = False
    """Rows read from a spreadsheet or a paste can be put into the block (`with_rows`)."""
    captioned_by_data: ClassVar[bool] = False
    """The template prints one table captioned by data["caption"], not a TableView."""
    schema: ClassVar[dict | None] = None
    """JSON Schema of the block's data in the interchange format (docs/report-format.schema.json);
    None: any object."""
    schema_defs: ClassVar[dict[str, dict]] = {}
    """Further $defs the schema refers to (#/$defs/<name>), shared across kinds by name."""

    def clean(self, data: Any) -> dict:
        """Validate and normalise `data`; raise InvalidInput with every problem in `details`."""
        raise NotImplementedError

    def clean_for(self, data: Any, *, fiscal_year: int | None = None) -> dict:
        """Clean `data` for a block of a given fiscal year's section.

        Kinds whose checks depend on the year (dates that must fall within it) override this;
        the content services always call it rather than `clean`.
        """
        return self.clean(data)

    def strict_problems(self, data: dict, resolved: Any) -> list[Problem]:
        """Problems that block submission (identities, required content). Empty when fine."""
        return []

    def resolve_many(self, datas: list[dict], *, fiscal_year: int) -> list[Any]:
        """Load the records the blocks refer to, in a fixed number of queries; one per block."""
        return [None for _ in datas]

    def view(self, data: dict, resolved: Any, *, depth: int) -> dict:
        """Everything the block's template needs, computed (totals, labels, display strings)."""
        return {"data": data}

    def tables(self, data: dict, resolved: Any) -> list:
        """The block's tables as reports.tables.TableView, for CSV, .xlsx and HTML."""
        return []

    def blank_data(self) -> dict:
        """Data of a new, empty block of this kind."""
        return self.clean({})

    def clear_numbers(self, data: dict) -> dict:
        """The data with its figures cleared (starting a new year from last year's text)."""
        return data

    def with_rows(self, data: dict, rows: list[list[Any]], *, append: bool) -> tuple[dict, int]:
        """The data with spreadsheet rows put in (kinds with `accepts_rows`), and their number."""
        raise NotImplementedError

    def diff_lines(self, data: dict, resolved: Any, *, depth: int) -> list[str] | None:
        """The lines a reviewer compares (reports.diff); None: the kind's tables, row by row."""
        return None

    def history_lines(self, view: dict) -> list[str] | None:
        """The lines of the revision history (reports.views_editor); None: the kind's tables."""
        return None

    def search_text(self, view: dict, *, depth: int) -> str:
        """The block's words for the site search: what its template prints, as plain text."""
        return plain_text(render_to_string(self.template_name, {"view": view, "depth": depth}))


_registry: dict[str, BlockKind] = {}


def register(cls: type[BlockKind]) -> type[BlockKind]:
    if not cls.kind:
        raise ValueError("block kind needs a name")
    _registry[cls.kind] = cls()
    return cls


def get(kind: str) -> BlockKind:
    try:
        return _registry[kind]
    except KeyError:
        raise InvalidInput(
            f"「{kind}」という種類のブロックはありません。",
            details={"kind": f"使える種類: {'、'.join(sorted(_registry))}"},
        ) from None


def autodiscover() -> None:
    """Register every installed app's block kinds: `<app>.blocks` and each module under it."""
    import pkgutil
    from importlib import import_module

    from django.apps import apps

    for app in apps.get_app_configs():
        name = f"{app.name}.blocks"
        try:
            module = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        for info in pkgutil.iter_modules(getattr(module, "__path__", [])):
            import_module(f"{name}.{info.name}")


def kinds() -> dict[str, BlockKind]:
    return dict(_registry)


def in_collection(collection: str) -> set[str]:
    """The kinds listed in a public API collection ("meetings")."""
    return {name for name, kind in _registry.items() if kind.collection == collection}


def menu() -> list[BlockKind]:
    """The kinds in the order of the "add a block" menu."""
    return sorted(_registry.values(), key=lambda k: (k.menu_position, k.kind))
