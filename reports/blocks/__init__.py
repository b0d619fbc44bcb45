"""The registry of block kinds.

A block kind is one class that knows how to clean its data (the one place input is validated),
list submit-time problems, resolve references to records outside the section in bulk, and turn
its data into a view for the templates and into tables for open data and spreadsheets.
Adding a kind touches no workflow, view or build code: register it, give it a template.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from akiruno.exceptions import InvalidInput


@dataclass(frozen=True)
class Problem:
    """A problem found by strict (submit-time) validation, at a JSON-pointer-like place."""

    where: str
    message: str


class BlockKind:
    kind: ClassVar[str] = ""
    label: ClassVar[str] = ""
    template_name: ClassVar[str] = ""

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


def kinds() -> dict[str, BlockKind]:
    return dict(_registry)
