"""Reads for the section editor, preview and history. Each runs a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from akiruno.numbering import MAX_DEPTH, label
from reports import blocks
from reports.models import AnnualReport, Block, Item, Section, SectionRevision, User
from reports.permissions import policy
from reports.snapshot import build_content


@dataclass
class OutlineItem:
    item: Item
    depth: int
    number: str
    index: int  # 0-based among siblings
    sibling_count: int
    height: int  # 1 for a leaf
    blocks: list[Block] = field(default_factory=list)

    @property
    def can_up(self) -> bool:
        return self.index > 0

    @property
    def can_down(self) -> bool:
        return self.index < self.sibling_count - 1

    @property
    def can_indent(self) -> bool:
        return self.index > 0 and self.depth + self.height <= MAX_DEPTH

    @property
    def can_outdent(self) -> bool:
        return self.depth > 1

    @property
    def can_add_child(self) -> bool:
        return self.depth < MAX_DEPTH


@dataclass
class Outline:
    section: Section
    items: list[OutlineItem]
    all_items: list[Item]
    blocks_by_item: dict[int, list[Block]]

    def content(self, *, resolve: bool = True) -> dict:
        """The section's content JSON from what is already loaded (no further item queries)."""
        return build_content(
            self.section.department.code,
            self.section.department_name,
            self.section.report.fiscal_year,
            self.all_items,
            self.blocks_by_item,
            resolve=resolve,
        )


def section_for(*, pk: int, user: User, action: str = "view") -> Section:
    """The section, if the policy lets `user` do `action` (NotFound when it may not see it)."""
    section = (
        Section.objects.select_related("report", "department", "updated_by").filter(pk=pk).first()
    )
    if section is None:
        from akiruno.exceptions import NotFound

        raise NotFound("見つかりません。")
    policy.check(user, action, section)
    return section


def section_outline(*, section: Section) -> Outline:
    """Items in reading order with depth, number and moves allowed; two queries."""
    items = list(
        Item.objects.filter(section=section)
        .select_related("updated_by")
        .order_by("parent_id", "position", "id")
    )
    by_item: dict[int, list[Block]] = defaultdict(list)
    for block in (
        Block.objects.filter(item__section=section)
        .select_related("updated_by")
        .order_by("item_id", "position", "id")
    ):
        by_item[block.item_id].append(block)
    children: dict[int | None, list[Item]] = defaultdict(list)
    for item in items:
        children[item.parent_id].append(item)
    for siblings in children.values():
        siblings.sort(key=lambda i: (i.position, i.id))

    heights: dict[int, int] = {}

    def height(item: Item) -> int:
        if item.pk not in heights:
            kids = children.get(item.pk, [])
            heights[item.pk] = 1 + max((height(k) for k in kids), default=0)
        return heights[item.pk]

    flat: list[OutlineItem] = []
    stack: list[tuple[Item, int, int, int]] = [
        (item, 1, i, len(children[None])) for i, item in reversed(list(enumerate(children[None])))
    ]
    while stack:
        item, depth, index, count = stack.pop()
        try:
            number = label(depth, index + 1)
        except ValueError:
            number = "※"
        flat.append(
            OutlineItem(
                item=item,
                depth=depth,
                number=number,
                index=index,
                sibling_count=count,
                height=height(item),
                blocks=by_item.get(item.pk, []),
            )
        )
        kids = children.get(item.pk, [])
        stack.extend((kid, depth + 1, i, len(kids)) for i, kid in reversed(list(enumerate(kids))))
    return Outline(section=section, items=flat, all_items=items, blocks_by_item=by_item)


def report_sections(*, report: AnnualReport, user: User) -> QuerySet[Section]:
    qs = (
        Section.objects.filter(report=report)
        .select_related("report", "department", "updated_by")
        .order_by("department__display_order", "department__code")
    )
    return policy.visible(user, Section, qs)


def revision_list(*, section: Section) -> QuerySet[SectionRevision]:
    return (
        SectionRevision.objects.filter(section=section)
        .select_related("user")
        .defer("content")
        .order_by("-section_version", "-id")
    )


def revision_pair(
    *, section: Section, revision_id: int
) -> tuple[SectionRevision, SectionRevision | None]:
    """A revision and the one before it (None for the first)."""
    from akiruno.exceptions import NotFound

    revision = (
        SectionRevision.objects.select_related("user")
        .filter(section=section, pk=revision_id)
        .first()
    )
    if revision is None:
        raise NotFound("見つかりません。")
    before = (
        SectionRevision.objects.filter(
            section=section, section_version__lt=revision.section_version
        )
        .order_by("-section_version", "-id")
        .first()
    )
    return revision, before


def kind_choices() -> list[tuple[str, str]]:
    """Registered block kinds for the "add a block" menu, in each kind's `menu_position`."""
    return [(kind.kind, kind.label or kind.kind) for kind in blocks.menu()]


def block_preview(block: Block, *, fiscal_year: int, depth: int) -> dict[str, Any]:
    """What one block prints as (for showing the stored version beside refused input)."""
    from reports.snapshot import resolve_blocks

    b = {"kind": block.kind, "data": block.data}
    resolve_blocks([b], fiscal_year=fiscal_year)
    kind = blocks.get(block.kind)
    return {
        "template_name": kind.template_name,
        "view": kind.view(block.data, b.get("resolved"), depth=depth),
    }
