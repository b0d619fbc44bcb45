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
    part: str = ""  # "rest" when the block's first line is printed on the heading's line


@dataclass
class RenderedItem:
    depth: int
    number: str
    heading: str
    uid: str
    blocks: list[RenderedBlock] = field(default_factory=list)
    children: list[RenderedItem] = field(default_factory=list)

    @property
    def inline_block(self) -> RenderedBlock | None:
        """The first block when it prints on the heading's line (（１）移住・定住相談 ５６１回)."""
        if self.blocks and self.blocks[0].part == "rest":
            return self.blocks[0]
        return None

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
            for position, b in enumerate(item.get("blocks", [])):
                kind = blocks.get(b["kind"])
                view = kind.view(b["data"], b.get("resolved"), depth=depth)
                rendered_blocks.append(
                    RenderedBlock(
                        kind=b["kind"],
                        template_name=kind.template_name,
                        view=view,
                        uid=b.get("uid", ""),
                        part="rest" if position == 0 and view.get("inline") else "",
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
