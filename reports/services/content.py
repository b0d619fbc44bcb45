"""Writes to a section's content: items, blocks, whole-tree replacement, reports and new years.

Every content write runs in one transaction and in this order:
1. the permission policy (other departments' sections are NotFound, not PermissionDenied);
2. a compare-and-set on the section: it must still be in an editable state, and its version
   rises by one (so concurrent writes to one section serialise on its row);
3. optimistic locking on the item or block being changed (`expected_version`): a stale save is
   refused with a message naming who changed it and when;
4. the change itself;
5. a SectionRevision holding the whole content afterwards (the history, and what the workflow
   reads to know who edited since the last return), and the section's `content_version` (the
   第N版 people read) raised by one when that content differs from the previous revision's.
   `version` stays the concurrency token: it rises with every write and every transition.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Literal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from akiruno import wareki
from akiruno.exceptions import Conflict, InvalidInput, NotFound, PermissionDenied, StaleVersion
from akiruno.numbering import MAX_DEPTH, label
from reports import blocks
from reports.models import (
    AnnualReport,
    Block,
    Department,
    Item,
    Section,
    SectionRevision,
    User,
)
from reports.permissions import policy
from reports.snapshot import section_content

MAX_HEADING = 500
MAX_ITEMS = 5_000
MAX_BLOCKS_PER_ITEM = 100

Direction = Literal["up", "down"]


# -- helpers -------------------------------------------------------------------------------


def _when(moment: dt.datetime | None) -> str:
    if moment is None:
        return "（日時不明）"
    local = timezone.localtime(moment)
    return f"{wareki.format_date(local.date(), digits='half')} {local:%H:%M}"


def _who(user: User | None) -> str:
    return f"{user}さん" if user else "他の職員"


def changed_message(what: str, user: User | None, moment: dt.datetime | None) -> str:
    """「この表は山田さんが令和7年5月1日 10:15 に変更しました。…」"""
    return (
        f"この{what}は、あなたが開いた後に{_who(user)}が{_when(moment)}に変更しました。"
        "あなたの入力は消さずに残してあります。最新の内容を確認してから、もう一度保存してください。"
    )


def _stale(what: str, obj: Item | Block, *, expected: int | None) -> StaleVersion:
    return StaleVersion(
        changed_message(what, obj.updated_by, obj.updated_at),
        details={
            "updated_by": str(obj.updated_by) if obj.updated_by else "",
            "updated_at": obj.updated_at.isoformat() if obj.updated_at else "",
            "current_version": obj.version,
            "expected_version": expected,
        },
    )


def _gone(what: str, section: Section) -> StaleVersion:
    current = Section.objects.select_related("updated_by").get(pk=section.pk)
    return StaleVersion(
        f"この{what}は、あなたが開いた後に{_who(current.updated_by)}が"
        f"{_when(current.updated_at)}に削除または置き換えました。画面を更新してください。",
        details={
            "updated_by": str(current.updated_by) if current.updated_by else "",
            "updated_at": current.updated_at.isoformat() if current.updated_at else "",
        },
    )


def _begin(
    section: Section, user: User, *, action: str = "edit", expected_version: int | None = None
) -> Section:
    """Check the policy, then compare-and-set the section's state (and version, if given)."""
    policy.check(user, action, section)
    now = timezone.now()
    qs = Section.objects.filter(pk=section.pk, state__in=Section.EDITABLE_STATES)
    if expected_version is not None:
        qs = qs.filter(version=expected_version)
    updated = qs.update(version=F("version") + 1, updated_by=user, updated_at=now)
    if not updated:
        current = Section.objects.select_related("updated_by").get(pk=section.pk)
        if current.state not in Section.EDITABLE_STATES:
            raise Conflict(
                f"この課別報告は「{current.get_state_display()}」になったため編集できません。"
                "作成中または差戻しの間だけ編集できます。",
                details={"state": current.state},
            )
        raise StaleVersion(
            changed_message("課別報告", current.updated_by, current.updated_at),
            details={
                "updated_by": str(current.updated_by) if current.updated_by else "",
                "updated_at": current.updated_at.isoformat() if current.updated_at else "",
                "current_version": current.version,
                "expected_version": expected_version,
            },
        )
    section.refresh_from_db(
        fields=["version", "content_version", "updated_by", "updated_at", "state"]
    )
    return section


def _without_uids(node: Any) -> Any:
    """The content as printed and entered: identities (uids) left out of the comparison."""
    if isinstance(node, dict):
        return {k: _without_uids(v) for k, v in node.items() if k != "uid"}
    if isinstance(node, list):
        return [_without_uids(v) for v in node]
    return node


def content_changed(previous: dict | None, current: dict) -> bool:
    """Whether `current` differs from `previous` (a revision's content) in what people read."""
    if previous is None:
        return True
    normalised = json.loads(json.dumps(current, cls=DjangoJSONEncoder))
    return _without_uids(previous.get("items", [])) != _without_uids(normalised.get("items", []))


def _record(section: Section, user: User, summary: str) -> SectionRevision:
    """Record the content after a write; raise `content_version` when the content changed.

    The section's row is already locked by `_begin`'s compare-and-set, so reading the latest
    revision and raising the number cannot race with another write to the same section.
    """
    content = section_content(section, resolve=False)
    previous = (
        SectionRevision.objects.filter(section=section)
        .order_by("-id")
        .values_list("content", flat=True)
        .first()
    )
    if content_changed(previous, content):
        Section.objects.filter(pk=section.pk).update(content_version=F("content_version") + 1)
        section.refresh_from_db(fields=["content_version"])
    elif previous is not None:
        summary = f"{summary}（内容の変更なし）"
    return SectionRevision.objects.create(
        section=section,
        section_version=section.version,
        content_version=section.content_version,
        user=user,
        summary=summary[:300],
        content=content,
    )


def _heading(value: Any, where: str = "heading") -> str:
    if not isinstance(value, str):
        raise InvalidInput(
            "見出しは文字で入力してください。", details={where: "文字で入力してください。"}
        )
    value = " ".join(value.replace("\r", " ").replace("\n", " ").split())
    if len(value) > MAX_HEADING:
        raise InvalidInput(
            f"見出しは{MAX_HEADING}文字以内で入力してください（{len(value)}文字）。",
            details={where: f"{MAX_HEADING}文字以内で入力してください。"},
        )
    return value


def _section_items(section: Section) -> list[Item]:
    return list(Item.objects.filter(section=section).only("id", "parent_id", "position", "heading"))


def _depths(items: Iterable[Item]) -> tuple[dict[int, int], dict[int | None, list[Item]]]:
    """Depth of every item (1 = top level) and the children of every parent."""
    children: dict[int | None, list[Item]] = defaultdict(list)
    for item in items:
        children[item.parent_id].append(item)
    depth: dict[int, int] = {}
    stack = [(item, 1) for item in children.get(None, [])]
    while stack:
        item, d = stack.pop()
        depth[item.pk] = d
        stack.extend((child, d + 1) for child in children.get(item.pk, []))
    return depth, children


def _subtree_height(item_id: int, children: dict[int | None, list[Item]]) -> int:
    """1 for a leaf, 2 for an item with children only, and so on."""
    best, stack = 1, [(item_id, 1)]
    while stack:
        current, h = stack.pop()
        best = max(best, h)
        stack.extend((child.pk, h + 1) for child in children.get(current, []))
    return best


def _check_sibling_label(depth: int, count: int) -> None:
    try:
        label(depth, count)
    except ValueError as exc:
        raise InvalidInput(str(exc), details={"position": str(exc)}) from None


def _item_title(item: Item) -> str:
    return f"「{item.heading}」" if item.heading else "（見出しなし）"


def _lock_item(item: Item, section: Section, expected_version: int | None) -> Item:
    current = Item.objects.select_related("updated_by").filter(pk=item.pk, section=section).first()
    if current is None:
        raise _gone("項目", section)
    if expected_version is not None and current.version != expected_version:
        raise _stale("項目", current, expected=expected_version)
    return current


def _lock_block(block: Block, section: Section, expected_version: int | None) -> Block:
    current = (
        Block.objects.select_related("updated_by", "item")
        .filter(pk=block.pk, item__section=section)
        .first()
    )
    if current is None:
        raise _gone("ブロック", section)
    if expected_version is not None and current.version != expected_version:
        raise _stale("ブロック", current, expected=expected_version)
    return current


def _section_of(obj: Item | Block) -> Section:
    item = obj if isinstance(obj, Item) else obj.item
    return Section.objects.select_related("report", "department").get(pk=item.section_id)


def _block_name(block: Block) -> str:
    kind = blocks.kinds().get(block.kind)
    name = kind.label if kind else block.kind
    caption = block.data.get("caption") if isinstance(block.data, dict) else None
    return f"{name}「{caption}」" if caption else name


# -- items -----------------------------------------------------------------------------------


@transaction.atomic
def item_create(
    *,
    section: Section,
    user: User,
    heading: str = "",
    parent: Item | None = None,
    position: int | None = None,
) -> Item:
    """Insert an item under `parent` (None: top level) at `position` (None: last)."""
    heading = _heading(heading)
    section = _begin(section, user)
    items = _section_items(section)
    if len(items) >= MAX_ITEMS:
        raise InvalidInput(f"1つの課別報告の項目は{MAX_ITEMS:,}個までです。")
    depth_of, children = _depths(items)
    if parent is not None:
        if parent.pk not in depth_of:
            raise _gone("親項目", section)
        depth = depth_of[parent.pk] + 1
    else:
        depth = 1
    if depth > MAX_DEPTH:
        raise InvalidInput(
            f"見出しは{MAX_DEPTH}階層（（ａ））までです。これより深くはできません。",
            details={"parent": f"{MAX_DEPTH}階層までです。"},
        )
    siblings = children.get(parent.pk if parent else None, [])
    _check_sibling_label(depth, len(siblings) + 1)
    if position is None or position > len(siblings):
        position = len(siblings)
    position = max(position, 0)
    Item.objects.filter(section=section, parent=parent, position__gte=position).update(
        position=F("position") + 1
    )
    item = Item.objects.create(
        section=section,
        parent=parent,
        position=position,
        heading=heading,
        updated_by=user,
        updated_at=timezone.now(),
    )
    _record(section, user, f"項目{_item_title(item)}を追加")
    return item


@transaction.atomic
def item_update(*, item: Item, user: User, heading: str, expected_version: int | None) -> Item:
    """Change an item's heading; refused when someone changed it since `expected_version`."""
    heading = _heading(heading)
    section = _section_of(item)
    policy.check(user, "edit", section)
    current = _lock_item(item, section, expected_version)
    if current.heading == heading:
        return current  # nothing changed: no new version, no revision
    section = _begin(section, user)
    old = current.heading
    updated = Item.objects.filter(pk=current.pk, version=current.version).update(
        heading=heading, version=F("version") + 1, updated_by=user, updated_at=timezone.now()
    )
    if not updated:  # pragma: no cover - the section row lock makes this unreachable
        raise _stale("項目", current, expected=expected_version)
    current.refresh_from_db()
    _record(section, user, f"見出し「{old}」を「{heading}」に変更")
    return current


@transaction.atomic
def item_delete(*, item: Item, user: User, expected_version: int | None) -> None:
    """Delete an item with its blocks and sub-items; later siblings move up (renumber)."""
    section = _begin(_section_of(item), user)
    current = _lock_item(item, section, expected_version)
    descendants = _count_descendants(current, section)
    Item.objects.filter(pk=current.pk).delete()
    Item.objects.filter(
        section=section, parent_id=current.parent_id, position__gt=current.position
    ).update(position=F("position") - 1)
    extra = f"（下位の項目{descendants}件を含む）" if descendants else ""
    _record(section, user, f"項目{_item_title(current)}を削除{extra}")


def _count_descendants(item: Item, section: Section) -> int:
    _, children = _depths(_section_items(section))
    return _subtree_height_count(item.pk, children)


def _subtree_height_count(item_id: int, children: dict[int | None, list[Item]]) -> int:
    count, stack = 0, [item_id]
    while stack:
        for child in children.get(stack.pop(), []):
            count += 1
            stack.append(child.pk)
    return count


@transaction.atomic
def item_move(*, item: Item, user: User, parent: Item | None, position: int | None = None) -> Item:
    """Move an item (with its sub-items) under `parent` at `position` (None: last).

    Everything after the old and the new place renumbers, since numbers are derived.
    Refused when the move would nest deeper than six levels, put an item inside itself, or
    give a level more siblings than it has labels for.
    """
    section = _begin(_section_of(item), user)
    items = _section_items(section)
    depth_of, children = _depths(items)
    if item.pk not in depth_of:
        raise _gone("項目", section)
    current = next(i for i in items if i.pk == item.pk)
    new_parent_id = parent.pk if parent is not None else None
    if new_parent_id is not None:
        if new_parent_id not in depth_of:
            raise _gone("移動先の項目", section)
        # The new parent must not be the item or one of its descendants.
        ancestor: int | None = new_parent_id
        parents = {i.pk: i.parent_id for i in items}
        while ancestor is not None:
            if ancestor == current.pk:
                raise InvalidInput(
                    "項目を自分自身の下位には移動できません。",
                    details={"parent": "移動先が不正です。"},
                )
            ancestor = parents[ancestor]
    new_depth = (depth_of[new_parent_id] + 1) if new_parent_id is not None else 1
    height = _subtree_height(current.pk, children)
    if new_depth + height - 1 > MAX_DEPTH:
        raise InvalidInput(
            f"見出しは{MAX_DEPTH}階層までです。この項目には{height - 1}階層の下位項目があるため、"
            f"第{new_depth}階層には移動できません。",
            details={"parent": f"{MAX_DEPTH}階層を超えます。"},
        )
    same_parent = current.parent_id == new_parent_id
    siblings = [s for s in children.get(new_parent_id, []) if s.pk != current.pk]
    if not same_parent or new_depth != depth_of[current.pk]:
        _check_sibling_label(new_depth, len(siblings) + 1)
        _check_subtree_labels(current.pk, new_depth, children)
    if position is None or position > len(siblings):
        position = len(siblings)
    position = max(position, 0)
    # Close the gap at the old place, open one at the new place.
    Item.objects.filter(
        section=section, parent_id=current.parent_id, position__gt=current.position
    ).update(position=F("position") - 1)
    Item.objects.filter(section=section, parent_id=new_parent_id, position__gte=position).exclude(
        pk=current.pk
    ).update(position=F("position") + 1)
    Item.objects.filter(pk=current.pk).update(
        parent_id=new_parent_id, position=position, updated_by=user, updated_at=timezone.now()
    )
    current.refresh_from_db()
    _record(section, user, f"項目{_item_title(current)}を移動")
    return current


def _check_subtree_labels(item_id: int, depth: int, children: dict[int | None, list[Item]]) -> None:
    """Sub-items keep their sibling counts but change level: each level must have labels."""
    stack = [(item_id, depth)]
    while stack:
        current, d = stack.pop()
        kids = children.get(current, [])
        if kids:
            _check_sibling_label(d + 1, len(kids))
        stack.extend((k.pk, d + 1) for k in kids)


def _siblings(item: Item) -> list[Item]:
    return list(
        Item.objects.filter(section_id=item.section_id, parent_id=item.parent_id).order_by(
            "position", "id"
        )
    )


def item_shift(*, item: Item, user: User, direction: Direction) -> Item:
    """Move an item one place up or down among its siblings."""
    policy.check(user, "edit", _section_of(item))
    siblings = _siblings(item)
    index = next((i for i, s in enumerate(siblings) if s.pk == item.pk), None)
    if index is None:
        raise _gone("項目", _section_of(item))
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(siblings):
        where = "先頭" if direction == "up" else "末尾"
        raise InvalidInput(f"この項目はすでに{where}です。")
    return item_move(item=item, user=user, parent=item.parent, position=target)


def item_indent(*, item: Item, user: User) -> Item:
    """Make an item the last child of the sibling above it (（１） → ア)."""
    policy.check(user, "edit", _section_of(item))
    siblings = _siblings(item)
    index = next((i for i, s in enumerate(siblings) if s.pk == item.pk), None)
    if index is None:
        raise _gone("項目", _section_of(item))
    if index == 0:
        raise InvalidInput("先頭の項目は下げられません。上に同じ階層の項目が必要です。")
    return item_move(item=item, user=user, parent=siblings[index - 1], position=None)


def item_outdent(*, item: Item, user: User) -> Item:
    """Make an item the next sibling of its parent (ア → （２）)."""
    policy.check(user, "edit", _section_of(item))
    if item.parent_id is None:
        raise InvalidInput("第1階層の項目はこれ以上上げられません。")
    parent = Item.objects.get(pk=item.parent_id)
    return item_move(
        item=item,
        user=user,
        parent=parent.parent,
        position=_position_after(parent),
    )


def _position_after(item: Item) -> int:
    siblings = _siblings(item)
    return next(i for i, s in enumerate(siblings) if s.pk == item.pk) + 1


# -- blocks ----------------------------------------------------------------------------------


def _clean_block(kind_name: str, data: Any, fiscal_year: int) -> dict:
    kind = blocks.get(kind_name)
    return kind.clean_for(data, fiscal_year=fiscal_year)


@transaction.atomic
def block_create(
    *,
    item: Item,
    user: User,
    kind: str,
    data: dict | None = None,
    position: int | None = None,
) -> Block:
    """Add a block of `kind` to an item (blank data unless `data` is given)."""
    section = _section_of(item)
    handler = blocks.get(kind)
    cleaned = (
        handler.blank_data()
        if data is None
        else handler.clean_for(data, fiscal_year=section.report.fiscal_year)
    )
    section = _begin(section, user)
    if not Item.objects.filter(pk=item.pk, section=section).exists():
        raise _gone("項目", section)
    count = Block.objects.filter(item=item).count()
    if count >= MAX_BLOCKS_PER_ITEM:
        raise InvalidInput(f"1つの項目のブロックは{MAX_BLOCKS_PER_ITEM}個までです。")
    if position is None or position > count:
        position = count
    position = max(position, 0)
    Block.objects.filter(item=item, position__gte=position).update(position=F("position") + 1)
    block = Block.objects.create(
        item=item,
        kind=kind,
        data=cleaned,
        position=position,
        updated_by=user,
        updated_at=timezone.now(),
    )
    _record(section, user, f"項目{_item_title(item)}に{handler.label}を追加")
    return block


@transaction.atomic
def block_update(
    *,
    block: Block,
    user: User,
    data: dict,
    expected_version: int | None,
    summary: str | None = None,
) -> Block:
    """Replace a block's data after its kind has cleaned it (every problem at once)."""
    section = _section_of(block)
    policy.check(user, "edit", section)
    current = _lock_block(block, section, expected_version)
    cleaned = _clean_block(current.kind, data, section.report.fiscal_year)
    if current.data == cleaned:
        return current  # nothing changed: no new version, no revision
    section = _begin(section, user)
    updated = Block.objects.filter(pk=current.pk, version=current.version).update(
        data=cleaned, version=F("version") + 1, updated_by=user, updated_at=timezone.now()
    )
    if not updated:  # pragma: no cover - the section row lock makes this unreachable
        raise _stale("ブロック", current, expected=expected_version)
    current.refresh_from_db()
    _record(
        section,
        user,
        summary or f"項目{_item_title(current.item)}の{_block_name(current)}を変更",
    )
    return current


@transaction.atomic
def block_delete(*, block: Block, user: User, expected_version: int | None) -> None:
    section = _begin(_section_of(block), user)
    current = _lock_block(block, section, expected_version)
    Block.objects.filter(pk=current.pk).delete()
    Block.objects.filter(item_id=current.item_id, position__gt=current.position).update(
        position=F("position") - 1
    )
    _record(section, user, f"項目{_item_title(current.item)}の{_block_name(current)}を削除")


@transaction.atomic
def block_shift(*, block: Block, user: User, direction: Direction) -> Block:
    """Move a block one place up or down within its item."""
    section = _begin(_section_of(block), user)
    current = _lock_block(block, section, None)
    siblings = list(Block.objects.filter(item_id=current.item_id).order_by("position", "id"))
    index = next(i for i, b in enumerate(siblings) if b.pk == current.pk)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(siblings):
        where = "先頭" if direction == "up" else "末尾"
        raise InvalidInput(f"このブロックはすでに{where}です。")
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, sibling in enumerate(siblings):
        if sibling.position != position:
            Block.objects.filter(pk=sibling.pk).update(position=position)
    _record(section, user, f"項目{_item_title(current.item)}の{_block_name(current)}を移動")
    current.refresh_from_db()
    return current


# -- whole content -------------------------------------------------------------------------


def validate_content(content: Any, *, fiscal_year: int) -> list[dict]:
    """Check a content tree (the format's `items`) and return it cleaned.

    Every block is cleaned by its kind; depth is at most six; every level has labels for its
    siblings. All problems are reported at once, each at a JSON pointer.
    """
    errors: dict[str, str] = {}
    if not isinstance(content, dict) or not isinstance(content.get("items"), list):
        raise InvalidInput(
            "内容の形式が正しくありません。items（項目の一覧）を持つオブジェクトで指定してください。",
            details={"/items": "項目の一覧が必要です。"},
        )
    total = 0

    def clean_items(raw_items: list, where: str, depth: int) -> list[dict]:
        nonlocal total
        out = []
        if depth <= MAX_DEPTH:
            try:
                if raw_items:
                    label(depth, len(raw_items))
            except ValueError as exc:
                errors[where] = str(exc)
        for i, raw in enumerate(raw_items):
            here = f"{where}/{i}"
            total += 1
            if total > MAX_ITEMS:
                errors.setdefault("/items", f"項目は{MAX_ITEMS:,}個までです。")
                return out
            if not isinstance(raw, dict):
                errors[here] = (
                    "項目は heading・blocks・children を持つオブジェクトで指定してください。"
                )
                continue
            if depth > MAX_DEPTH:
                errors[here] = (
                    f"見出しは{MAX_DEPTH}階層（（ａ））までです。第{depth}階層の項目は作れません。"
                )
                continue  # do not descend: a 200-level tree reports once, here
            heading = raw.get("heading", "")
            try:
                heading = _heading(heading)
            except InvalidInput as exc:
                errors[f"{here}/heading"] = exc.message
                heading = ""
            cleaned_blocks = []
            raw_blocks = raw.get("blocks", [])
            if not isinstance(raw_blocks, list):
                errors[f"{here}/blocks"] = "ブロックの一覧で指定してください。"
                raw_blocks = []
            if len(raw_blocks) > MAX_BLOCKS_PER_ITEM:
                errors[f"{here}/blocks"] = f"1つの項目のブロックは{MAX_BLOCKS_PER_ITEM}個までです。"
                raw_blocks = []
            for b, raw_block in enumerate(raw_blocks):
                bwhere = f"{here}/blocks/{b}"
                if not isinstance(raw_block, dict):
                    errors[bwhere] = (
                        "ブロックは kind と data を持つオブジェクトで指定してください。"
                    )
                    continue
                kind_name = raw_block.get("kind")
                try:
                    kind = blocks.get(str(kind_name))
                except InvalidInput as exc:
                    errors[f"{bwhere}/kind"] = f"{exc.message}{exc.details.get('kind', '')}"
                    continue
                try:
                    data = kind.clean_for(raw_block.get("data", {}), fiscal_year=fiscal_year)
                except InvalidInput as exc:
                    for place, message in (exc.details or {"": exc.message}).items():
                        errors[f"{bwhere}/data{place}"] = message
                    continue
                cleaned_blocks.append(
                    {"kind": kind.kind, "data": data, "uid": raw_block.get("uid")}
                )
            raw_children = raw.get("children", [])
            if not isinstance(raw_children, list):
                errors[f"{here}/children"] = "下位項目の一覧で指定してください。"
                raw_children = []
            out.append(
                {
                    "heading": heading,
                    "uid": raw.get("uid"),
                    "blocks": cleaned_blocks,
                    "children": clean_items(raw_children, f"{here}/children", depth + 1),
                }
            )
        return out

    cleaned = clean_items(content["items"], "/items", 1)
    if errors:
        raise InvalidInput(f"内容に誤りがあります（{len(errors)}件）。", details=errors)
    return cleaned


def _uid(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value)) if value else uuid.uuid4()
    except ValueError:
        return uuid.uuid4()


def _write_tree(section: Section, tree: list[dict], user: User) -> None:
    """Delete the section's items and write `tree` in one query per level plus one for blocks."""
    Item.objects.filter(section=section).delete()
    now = timezone.now()
    level: list[tuple[Item | None, list[dict]]] = [(None, tree)]
    new_blocks: list[Block] = []
    while level:
        pending: list[tuple[Item, dict]] = []
        for parent, nodes in level:
            for position, node in enumerate(nodes):
                pending.append(
                    (
                        Item(
                            section=section,
                            parent=parent,
                            position=position,
                            heading=node["heading"],
                            uid=_uid(node.get("uid")),
                            updated_by=user,
                            updated_at=now,
                        ),
                        node,
                    )
                )
        Item.objects.bulk_create([item for item, _ in pending])
        level = []
        for item, node in pending:
            for position, b in enumerate(node["blocks"]):
                new_blocks.append(
                    Block(
                        item=item,
                        position=position,
                        kind=b["kind"],
                        data=b["data"],
                        uid=_uid(b.get("uid")),
                        updated_by=user,
                        updated_at=now,
                    )
                )
            if node["children"]:
                level.append((item, node["children"]))
    Block.objects.bulk_create(new_blocks, batch_size=500)


@transaction.atomic
def section_replace_content(
    *,
    section: Section,
    content: dict,
    user: User,
    summary: str,
    expected_version: int | None = None,
    action: str = "edit",
) -> Section:
    """Replace a section's whole item tree with `content` (the format's `items`).

    Used by restore, the next-year copy and the import. Nothing is written unless every item
    and block is valid. With `expected_version`, refused when the section changed since.
    """
    policy.check(user, action, section)
    tree = validate_content(content, fiscal_year=section.report.fiscal_year)
    section = _begin(section, user, action=action, expected_version=expected_version)
    _write_tree(section, tree, user)
    _record(section, user, summary)
    return section


@transaction.atomic
def section_restore(
    *, section: Section, revision: SectionRevision, user: User, expected_version: int | None = None
) -> Section:
    """Put back the content of an earlier revision; the restore is itself a revision."""
    if revision.section_id != section.pk:
        raise NotFound("見つかりません。")
    when = _when(revision.created_at)
    return section_replace_content(
        section=section,
        content=revision.content,
        user=user,
        summary=f"第{revision.content_version}版（{when}）の内容に戻す",
        expected_version=expected_version,
        action="restore",
    )


# -- reports and years -----------------------------------------------------------------------


def _ka_departments() -> list[Department]:
    return list(
        Department.objects.filter(kind=Department.Kind.KA, is_active=True).order_by(
            "display_order", "code"
        )
    )


@transaction.atomic
def report_create(
    *,
    fiscal_year: int,
    title: str | None = None,
    deadline: dt.date | None = None,
    user: User,
) -> AnnualReport:
    """Create a fiscal year's report with one draft section per active 課."""
    if (
        isinstance(fiscal_year, bool)
        or not isinstance(fiscal_year, int)
        or not 2000 <= fiscal_year <= 2200
    ):
        raise InvalidInput(
            "年度は2024のように西暦で入力してください。", details={"fiscal_year": "2000～2200"}
        )
    probe = AnnualReport(fiscal_year=fiscal_year)
    if not policy.can(user, "manage", probe):
        raise PermissionDenied("事務報告書を作成できるのはシステム管理者です。")
    if AnnualReport.objects.filter(fiscal_year=fiscal_year).exists():
        raise Conflict(f"{wareki.format_fiscal_year(fiscal_year)}の事務報告書はすでにあります。")
    title = (title or "").strip() or f"{wareki.format_fiscal_year(fiscal_year)} 事務報告書"
    if len(title) > 200:
        raise InvalidInput(
            "表題は200文字以内で入力してください。", details={"title": "200文字以内"}
        )
    report = AnnualReport.objects.create(fiscal_year=fiscal_year, title=title, deadline=deadline)
    report_sections_sync(report=report, user=user)
    return report


@transaction.atomic
def report_sections_sync(*, report: AnnualReport, user: User) -> list[Section]:
    """Create the missing sections of a report for active 課 (a 課 added during the year)."""
    if not policy.can(user, "manage", report):
        raise PermissionDenied("課別報告を追加できるのはシステム管理者です。")
    existing = set(Section.objects.filter(report=report).values_list("department_id", flat=True))
    created = [
        Section(report=report, department=dept, department_name=dept.name)
        for dept in _ka_departments()
        if dept.pk not in existing
    ]
    Section.objects.bulk_create(created)
    return created


def previous_section(section: Section) -> Section | None:
    """Last year's section of the same department, or of the department it succeeded."""
    fy = section.report.fiscal_year - 1
    qs = Section.objects.select_related("report", "department").filter(report__fiscal_year=fy)
    own = qs.filter(department_id=section.department_id).first()
    if own is not None:
        return own
    return (
        qs.filter(department__successor_id=section.department_id)
        .order_by("department__code")
        .first()
    )


def carried_content(previous: Section, keep_numbers: bool | dict[str, bool]) -> dict:
    """Last year's content with new identities, figures kept or cleared per block.

    `keep_numbers`: True keeps every figure, False clears every figure, a dict maps a
    previous block's uid to True (keep) or False (clear); blocks it does not name are cleared.
    """
    content = section_content(previous, resolve=False)

    def carry(items: list[dict]) -> list[dict]:
        out = []
        for item in items:
            new_blocks = []
            for b in item["blocks"]:
                keep = (
                    keep_numbers
                    if isinstance(keep_numbers, bool)
                    else bool(keep_numbers.get(b.get("uid", ""), False))
                )
                data = b["data"]
                if not keep and b["kind"] in blocks.kinds():
                    data = blocks.get(b["kind"]).clear_numbers(data)
                new_blocks.append({"kind": b["kind"], "data": data})
            out.append(
                {
                    "heading": item["heading"],
                    "blocks": new_blocks,
                    "children": carry(item["children"]),
                }
            )
        return out

    return {"items": carry(content["items"])}


def _is_empty(section: Section) -> bool:
    return not Item.objects.filter(section=section).exists()


@transaction.atomic
def section_start_from_previous(
    *, section: Section, user: User, keep_numbers: bool | dict[str, bool]
) -> Section:
    """Fill an empty section with last year's structure, headings and text (the editor's copy)."""
    policy.check(user, "edit", section)
    if not _is_empty(section):
        raise Conflict(
            "この課別報告にはすでに内容があります。前年度からの作成は空の報告でだけ使えます。"
        )
    previous = previous_section(section)
    if previous is None:
        raise NotFound(
            f"{wareki.format_fiscal_year(section.report.fiscal_year - 1)}の"
            f"{section.department_name}の報告が見つかりません。"
        )
    return section_replace_content(
        section=section,
        content=carried_content(previous, keep_numbers),
        user=user,
        summary=f"{wareki.format_fiscal_year(previous.report.fiscal_year)}の内容から作成",
    )


@transaction.atomic
def report_start_from_previous(
    *, fiscal_year: int, user: User, keep_numbers: bool | dict[str, bool]
) -> AnnualReport:
    """Create (or complete) a fiscal year's report from the previous year's sections.

    Every empty, editable section of the new year is filled from its department's section of
    the year before. Sections that already have content are left alone.
    """
    probe = AnnualReport(fiscal_year=fiscal_year)
    if not policy.can(user, "start_next_year", probe):
        raise PermissionDenied("前年度からの作成ができるのはシステム管理者です。")
    if not AnnualReport.objects.filter(fiscal_year=fiscal_year - 1).exists():
        raise NotFound(f"{wareki.format_fiscal_year(fiscal_year - 1)}の事務報告書がありません。")
    report = AnnualReport.objects.filter(fiscal_year=fiscal_year).first()
    if report is None:
        report = report_create(fiscal_year=fiscal_year, user=user)
    else:
        report_sections_sync(report=report, user=user)
    filled = set(
        Item.objects.filter(section__report=report).values_list("section_id", flat=True).distinct()
    )
    sections = Section.objects.select_related("report", "department").filter(
        report=report, state__in=Section.EDITABLE_STATES
    )
    for section in sections:
        if section.pk in filled:
            continue
        previous = previous_section(section)
        if previous is None:
            continue
        tree = validate_content(
            carried_content(previous, keep_numbers), fiscal_year=report.fiscal_year
        )
        # The administrator is not a member of the department: compare-and-set without
        # the per-department edit rule, which report-level permission already covers.
        updated = Section.objects.filter(pk=section.pk, state__in=Section.EDITABLE_STATES).update(
            version=F("version") + 1, updated_by=user, updated_at=timezone.now()
        )
        if not updated:
            continue
        section.refresh_from_db(
            fields=["version", "content_version", "updated_by", "updated_at", "state"]
        )
        _write_tree(section, tree, user)
        _record(
            section, user, f"{wareki.format_fiscal_year(previous.report.fiscal_year)}の内容から作成"
        )
    return report


@transaction.atomic
def table_rows_import(
    *,
    block: Block,
    user: User,
    rows: list[list[Any]],
    mode: Literal["replace", "append"],
    expected_version: int | None,
    source: str = "",
) -> Block:
    """Put rows read from a spreadsheet or a paste into a table block, all or nothing."""
    policy.check(user, "edit", _section_of(block))
    kind = blocks.kinds().get(block.kind)
    if kind is None or not kind.accepts_rows:
        raise InvalidInput("行を読み込めるのは表のブロックだけです。")
    data, count = kind.with_rows(block.data, rows, append=mode == "append")
    where = f"「{source}」から" if source else ""
    return block_update(
        block=block,
        user=user,
        data=data,
        expected_version=expected_version,
        summary=f"項目{_item_title(block.item)}の{_block_name(block)}に{where}{count}行を読み込み",
    )
