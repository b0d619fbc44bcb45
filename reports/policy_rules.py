"""The policy's rules for the organisation and the workflow records (registered at start-up).

- Departments: every member of staff sees them; administrators manage them.
- Section events and snapshots: visible exactly where their section's history is.
- Items, blocks and review comments: visible where their section is; items and blocks may be
  edited where their section may.
"""

from __future__ import annotations

from django.db.models import QuerySet

from reports.models import (
    Block,
    Department,
    Item,
    ReviewComment,
    Section,
    SectionEvent,
    SectionSnapshot,
)
from reports.permissions import Actor, is_admin, is_staff_user, policy


def _visible_departments(user: Actor, qs: QuerySet) -> QuerySet:
    return qs if is_staff_user(user) else qs.none()


def _can_department(user: Actor, action: str, department: Department) -> bool:
    if action == "view":
        return is_staff_user(user)
    if action == "manage":
        return is_admin(user)
    return False


def _visible_section_records(user: Actor, qs: QuerySet) -> QuerySet:
    sections = policy.visible(user, Section, Section.objects.all())
    return qs.filter(section__in=sections.values("pk"))


def _can_section_record(user: Actor, action: str, record: SectionEvent | SectionSnapshot) -> bool:
    if action == "view":
        return policy.can(user, "history", record.section)
    return False


def _visible_items(user: Actor, qs: QuerySet) -> QuerySet:
    sections = policy.visible(user, Section, Section.objects.all())
    return qs.filter(section__in=sections.values("pk"))


def _visible_blocks(user: Actor, qs: QuerySet) -> QuerySet:
    sections = policy.visible(user, Section, Section.objects.all())
    return qs.filter(item__section__in=sections.values("pk"))


def _can_item(user: Actor, action: str, item: Item) -> bool:
    """An item (or a block, through its item) is what its section is: view, edit."""
    return policy.can(user, action, item.section)


def _can_block(user: Actor, action: str, block: Block) -> bool:
    return policy.can(user, action, block.item.section)


def _can_comment(user: Actor, action: str, comment: ReviewComment) -> bool:
    if action == "view":
        return policy.can(user, "view", comment.section)
    return False


def register_rules() -> None:
    policy.register(Department, can=_can_department, visible=_visible_departments)
    policy.register(SectionEvent, can=_can_section_record, visible=_visible_section_records)
    policy.register(SectionSnapshot, can=_can_section_record, visible=_visible_section_records)
    policy.register(Item, can=_can_item, visible=_visible_items)
    policy.register(Block, can=_can_block, visible=_visible_blocks)
    policy.register(ReviewComment, can=_can_comment, visible=_visible_section_records)
