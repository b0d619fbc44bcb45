"""Report blocks that embed meetings by reference: one module a kind (meeting_counts.py …).

The block data names bodies by key; `resolve_many` loads the fiscal year's sessions and counts
in a fixed number of queries (three, whatever the number of blocks) into `resolved`, which
the workflow freezes in its snapshots; `view` renders from `resolved` only, never from the
database, so an approved section prints what was approved.
"""

from __future__ import annotations

from typing import Any, ClassVar

from akiruno import cleaning
from reports.blocks import BlockKind

BODY_KEY_LIMIT = 80  # MeetingBody.key


class MeetingBlock(BlockKind):
    """A block kind that refers to meeting bodies; listed by the public /meetings/ API."""

    collection: ClassVar[str] = "meetings"

    def body_keys(self, data: dict) -> set[str]:
        """The keys of the bodies the block counts or lists (a body in use cannot go)."""
        return set()


TABLE_COLUMNS = {
    "date": "開催日",
    "content": "内容",
    "venue": "開催会場",
    "attendance": "出席者数",
    "format": "開催形式",
    "category": "区分",
}
CONTENT_LABELS = ("内容", "議題", "内容（議事等）")
SOURCE_LABELS = {"sessions": "会議の記録", "manual": "手入力", "mixed": "会議の記録と手入力"}


def body_key(value: Any, where: str, errors: cleaning.Errors, *, required: bool = True) -> str:
    if value in (None, "") and not required:
        return ""  # a new block whose body is not chosen yet: strict_problems reports it
    if not isinstance(value, str) or not value.strip():
        errors.add(where, "会議体（キー）を選んでください。")
        return ""
    return cleaning.key(
        value.strip(),
        where,
        errors,
        limit=BODY_KEY_LIMIT,
        message=f"会議体のキー「{value.strip()}」は正しくありません（半角英小文字・数字・ハイフン・下線）。",
    )


def choice(
    value: Any, allowed: tuple, default: Any, where: str, errors: cleaning.Errors, message: str
):
    return cleaning.option(value, where, errors, allowed=allowed, default=default, message=message)


def columns_count(value: Any, errors: cleaning.Errors, default: int = 1) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4:
        errors.add("/columns", "段組みは1～4で指定してください。")
        return default
    return value
