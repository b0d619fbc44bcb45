"""Numbering: the label of an item is a function of its depth and its place among siblings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from akiruno.numbering import label
from reports import blocks


@dataclass
class RenderedBlock:
    kind: str
    template_name: str
    view: dict
    uid: str = ""


@dataclass
class RenderedItem:
    depth: int
    number: str
    heading: str
    uid: str
    blocks: list[RenderedBlock] = field(default_factory=list)
    children: list[RenderedItem] = field(default_factory=list)

    @property
    def level(self) -> int:
        """HTML heading level: the page has h1, the department h2, so depth 1 is h3."""
        return min(self.depth + 2, 6)

    @property
    def anchor(self) -> str:
        return f"item-{self.uid}" if self.uid else ""


def render_tree(content: dict) -> list[RenderedItem]:
    """Number a section's content tree and compute every block's view (totals, labels)."""

    def render(items: list[dict[str, Any]], depth: int) -> list[RenderedItem]:
        out = []
        for index, item in enumerate(items, start=1):
            rendered_blocks = []
            for b in item.get("blocks", []):
                kind = blocks.get(b["kind"])
                rendered_blocks.append(
                    RenderedBlock(
                        kind=b["kind"],
                        template_name=kind.template_name,
                        view=kind.view(b["data"], b.get("resolved"), depth=depth),
                        uid=b.get("uid", ""),
                    )
                )
            out.append(
                RenderedItem(
                    depth=depth,
                    number=label(depth, index),
                    heading=item["heading"],
                    uid=item.get("uid", ""),
                    blocks=rendered_blocks,
                    children=render(item.get("children", []), depth + 1),
                )
            )
        return out

    return render(content.get("items", []), 1)


def flatten(items: list[RenderedItem]) -> list[RenderedItem]:
    out = []
    for item in items:
        out.append(item)
        out.extend(flatten(item.children))
    return out
