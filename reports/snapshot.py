"""A section as JSON: the snapshot, the interchange format's section and the rendering input.

`section_content(section)` reads a section's items and blocks in two queries, resolves every
reference block (meetings, finance) in a fixed number of queries per kind, and returns:

    {"department": code, "department_name": name,
     "items": [{"uid", "heading", "blocks": [{"uid", "kind", "data", "resolved"?}], "children": [...]}]}

Numbering is not in it: it is derived from the tree when rendering (reports.tree).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from reports import blocks
from reports.models import Block, Item, Section


def section_content(section: Section, *, with_ids: bool = True, resolve: bool = True) -> dict:
    items = list(Item.objects.filter(section=section).order_by("parent_id", "position", "id"))
    item_blocks: dict[int, list[Block]] = defaultdict(list)
    for block in Block.objects.filter(item__section=section).order_by("item_id", "position", "id"):
        item_blocks[block.item_id].append(block)
    return build_content(
        section.department.code,
        section.department_name,
        section.report.fiscal_year,
        items,
        item_blocks,
        with_ids=with_ids,
        resolve=resolve,
    )


def build_content(
    department_code: str,
    department_name: str,
    fiscal_year: int,
    items: list[Item],
    item_blocks: dict[int, list[Block]],
    *,
    with_ids: bool = True,
    resolve: bool = True,
) -> dict:
    children: dict[int | None, list[Item]] = defaultdict(list)
    for item in items:
        children[item.parent_id].append(item)
    for siblings in children.values():
        siblings.sort(key=lambda i: (i.position, i.id))

    block_dicts: list[tuple[Block, dict]] = []

    def node(item: Item) -> dict:
        out: dict[str, Any] = {}
        if with_ids:
            out["uid"] = str(item.uid)
        out["heading"] = item.heading
        out["blocks"] = []
        for block in item_blocks.get(item.pk, []):
            b: dict[str, Any] = {}
            if with_ids:
                b["uid"] = str(block.uid)
            b["kind"] = block.kind
            b["data"] = block.data
            out["blocks"].append(b)
            block_dicts.append((block, b))
        out["children"] = [node(child) for child in children.get(item.pk, [])]
        return out

    tree = [node(item) for item in children.get(None, [])]
    if resolve:
        resolve_blocks([b for _, b in block_dicts], fiscal_year=fiscal_year)
    return {"department": department_code, "department_name": department_name, "items": tree}


def resolve_blocks(block_dicts: list[dict], *, fiscal_year: int) -> None:
    """Attach `resolved` to every reference block, one bulk call per kind."""
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for b in block_dicts:
        by_kind[b["kind"]].append(b)
    for kind, group in by_kind.items():
        handler = blocks.get(kind)
        if type(handler).resolve_many is blocks.BlockKind.resolve_many:
            continue
        resolved = handler.resolve_many([b["data"] for b in group], fiscal_year=fiscal_year)
        for b, value in zip(group, resolved, strict=True):
            b["resolved"] = value


def walk(items: list[dict], depth: int = 1):
    """Yield (depth, index, item) over a content tree in reading order."""
    for index, item in enumerate(items, start=1):
        yield depth, index, item
        yield from walk(item.get("children", []), depth + 1)
