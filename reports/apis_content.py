"""Content writes over the API: items and blocks, through reports.services.content.

Every write runs in one transaction: the section is locked, then the object is re-read under a
lock (the services' order: section, item, block — never the other way round), its ETag compared with
If-Match (412 if stale), then the same service the editing page calls does the work (and asks
the policy itself). A section that is not in an editable state answers 409 to its own
department (it is a state, not a permission) and 403 to everyone else who may see it; another
department's section, item or block is 404.
"""

from __future__ import annotations

import django_filters
from django.db import transaction
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from akiruno.api import (
    ERRORS,
    ConcurrencyMixin,
    PreconditionFailed,
    etag_for,
)
from akiruno.exceptions import Conflict, NotFound
from reports.filters import CodeListFilter, IntegerFilter, YearFilter
from reports.models import Block, Item, Section
from reports.permissions import policy
from reports.serializers_write import (
    BlockCreateSerializer,
    BlockSerializer,
    BlockUpdateSerializer,
    EmptySerializer,
    ItemCreateSerializer,
    ItemMoveSerializer,
    ItemSerializer,
    ItemUpdateSerializer,
    ShiftSerializer,
)
from reports.services import content


def check_editable(user, section: Section) -> None:
    """409 when the section's own department could edit it but its state forbids; else the
    policy's answer (404 invisible, 403 not theirs to edit)."""
    from reports.services.workflow import _in_state

    policy.check(user, "view", section)
    if section.is_editable:
        policy.check(user, "edit", section)
        return
    if policy.can(user, "edit", _in_state(section, Section.State.DRAFT)):
        raise Conflict(
            f"この課別報告は「{section.get_state_display()}」のため編集できません。"
            "作成中または差戻しの間だけ編集できます。",
            details={"state": section.state},
            code="wrong_state",
        )
    policy.check(user, "edit", section)


def check_optional_if_match(request, obj) -> None:
    """Creates accept If-Match (the parent's ETag) but do not require it."""
    header = request.headers.get("If-Match")
    if not header:
        return
    current = etag_for(obj)
    tags = [t.strip() for t in header.split(",") if t.strip()]
    if "*" not in tags and current not in tags:
        raise PreconditionFailed(
            ERRORS["precondition_failed"][1],
            details={"If-Match": f"現在の ETag は {current} です。"},
        )


def locked_section(section_id: int) -> Section:
    return (
        Section.objects.select_for_update(of=("self",))
        .select_related("report", "department")
        .get(pk=section_id)
    )


def parent_item(section: Section, parent_id: int | None) -> Item | None:
    if parent_id is None:
        return None
    parent = Item.objects.filter(pk=parent_id, section=section).first()
    if parent is None:
        raise NotFound(
            "移動先の項目がこの課別報告にありません。",
            details={"parent": f"ID {parent_id} の項目はこの課別報告にありません。"},
        )
    return parent


def item_response(item: Item, status_code: int = status.HTTP_200_OK) -> Response:
    item = (
        Item.objects.select_related("section", "updated_by")
        .prefetch_related(Prefetch("blocks", queryset=Block.objects.order_by("position", "id")))
        .get(pk=item.pk)
    )
    response = Response(ItemSerializer(item).data, status=status_code)
    response["ETag"] = etag_for(item)
    return response


def block_response(block: Block, status_code: int = status.HTTP_200_OK) -> Response:
    block = Block.objects.select_related("item__section", "updated_by").get(pk=block.pk)
    response = Response(BlockSerializer(block).data, status=status_code)
    response["ETag"] = etag_for(block)
    return response


def create_item(request, section: Section, parent: Item | None) -> Response:
    serializer = ItemCreateSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    check_editable(request.user, section)
    item = content.item_create(
        section=section,
        user=request.user,
        heading=serializer.validated_data["heading"],
        parent=parent,
        position=serializer.validated_data.get("position"),
    )
    return item_response(item, status.HTTP_201_CREATED)


class ItemFilter(django_filters.FilterSet):
    section = IntegerFilter(field_name="section_id", label="課別報告の ID")
    parent = IntegerFilter(field_name="parent_id", label="親項目の ID")
    top_level = django_filters.BooleanFilter(
        field_name="parent", lookup_expr="isnull", label="第1階層だけ（true）"
    )
    fiscal_year = YearFilter(field_name="section__report__fiscal_year")
    department = CodeListFilter(
        field_name="section__department__code", label="課のコード（カンマ区切りで複数）"
    )
    q = django_filters.CharFilter(
        field_name="heading", lookup_expr="icontains", label="見出しに含む文字"
    )

    class Meta:
        model = Item
        fields = ["section", "parent", "top_level", "fiscal_year", "department", "q"]


class BlockFilter(django_filters.FilterSet):
    section = IntegerFilter(field_name="item__section_id", label="課別報告の ID")
    item = IntegerFilter(field_name="item_id", label="項目の ID")
    kind = django_filters.CharFilter(field_name="kind", label="ブロックの種類")
    fiscal_year = YearFilter(field_name="item__section__report__fiscal_year")
    department = CodeListFilter(
        field_name="item__section__department__code", label="課のコード（カンマ区切りで複数）"
    )

    class Meta:
        model = Block
        fields = ["section", "item", "kind", "fiscal_year", "department"]


WRITE_ACTIONS = {
    "partial_update": "view",
    "destroy": "view",
    "move": "view",
    "shift": "view",
    "indent": "view",
    "outdent": "view",
    "children": "view",
    "blocks": "view",
}


@extend_schema_view(
    list=extend_schema(summary="項目の一覧"),
    retrieve=extend_schema(summary="項目"),
    partial_update=extend_schema(
        summary="見出しを変更する（If-Match が必要）",
        request=ItemUpdateSerializer,
        responses={200: ItemSerializer},
    ),
    destroy=extend_schema(summary="項目を削除する（下位の項目とブロックも、If-Match が必要）"),
)
@extend_schema(
    tags=["content"],
    description=(
        "課別報告の項目（見出し）。番号は深さと順序から計算されるので、番号付きの木は "
        "GET /api/v1/sections/{id}/ で読みます。変更できるのは自課の担当者・課長で、"
        "作成中・差戻しの間だけです（それ以外の状態は 409）。"
    ),
)
class ItemViewSet(
    ConcurrencyMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ItemSerializer
    filterset_class = ItemFilter
    ordering_fields = ["id", "position", "updated_at"]
    ordering = ["section_id", "parent_id", "position", "id"]
    policy_actions = WRITE_ACTIONS
    if_match_actions = ("move", "shift", "indent", "outdent")
    http_method_names = ["get", "post", "patch", "delete", "head"]

    def get_queryset(self):
        qs = Item.objects.select_related(
            "section__report", "section__department", "updated_by"
        ).prefetch_related(Prefetch("blocks", queryset=Block.objects.order_by("position", "id")))
        return policy.visible(self.request.user, Item, qs)

    def lock_parents(self, obj: Item) -> None:
        locked_section(obj.section_id)

    def _locked(self) -> tuple[Item, Section]:
        item = self.get_object()
        return item, locked_section(item.section_id)

    @transaction.atomic
    def partial_update(self, request, *args, **kwargs):
        item, section = self._locked()
        serializer = ItemUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        check_editable(request.user, section)
        item = content.item_update(
            item=item,
            user=request.user,
            heading=serializer.validated_data["heading"],
            expected_version=self.expected_version,
        )
        return item_response(item)

    @transaction.atomic
    def destroy(self, request, *args, **kwargs):
        item, section = self._locked()
        check_editable(request.user, section)
        content.item_delete(item=item, user=request.user, expected_version=self.expected_version)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="項目を移動する（親と位置、If-Match が必要）",
        request=ItemMoveSerializer,
        responses={200: ItemSerializer},
    )
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def move(self, request, *args, **kwargs):
        item, section = self._locked()
        serializer = ItemMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        check_editable(request.user, section)
        parent = parent_item(section, serializer.validated_data["parent"])
        item = content.item_move(
            item=item,
            user=request.user,
            parent=parent,
            position=serializer.validated_data.get("position"),
        )
        return item_response(item)

    @extend_schema(
        summary="同じ階層で1つ上・下へ（If-Match が必要）",
        request=ShiftSerializer,
        responses={200: ItemSerializer},
    )
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def shift(self, request, *args, **kwargs):
        item, section = self._locked()
        serializer = ShiftSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        check_editable(request.user, section)
        item = content.item_shift(
            item=item, user=request.user, direction=serializer.validated_data["direction"]
        )
        return item_response(item)

    @extend_schema(
        summary="1階層下げる（上の項目の下位へ、If-Match が必要）",
        request=EmptySerializer,
        responses={200: ItemSerializer},
    )
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def indent(self, request, *args, **kwargs):
        item, section = self._locked()
        EmptySerializer(data=request.data or {}).is_valid(raise_exception=True)
        check_editable(request.user, section)
        return item_response(content.item_indent(item=item, user=request.user))

    @extend_schema(
        summary="1階層上げる（親の次へ、If-Match が必要）",
        request=EmptySerializer,
        responses={200: ItemSerializer},
    )
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def outdent(self, request, *args, **kwargs):
        item, section = self._locked()
        EmptySerializer(data=request.data or {}).is_valid(raise_exception=True)
        check_editable(request.user, section)
        return item_response(content.item_outdent(item=item, user=request.user))

    @extend_schema(
        summary="下位の項目を追加する（If-Match は任意: この項目の ETag）",
        request=ItemCreateSerializer,
        responses={201: ItemSerializer},
    )
    @action(detail=True, methods=["post"], url_path="items")
    @transaction.atomic
    def children(self, request, *args, **kwargs):
        item, section = self._locked()
        check_optional_if_match(request, item)
        return create_item(request, section, item)

    @extend_schema(
        summary="ブロックを追加する（If-Match は任意: この項目の ETag）",
        request=BlockCreateSerializer,
        responses={201: BlockSerializer},
    )
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def blocks(self, request, *args, **kwargs):
        item, section = self._locked()
        check_optional_if_match(request, item)
        serializer = BlockCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        check_editable(request.user, section)
        item.section = section
        block = content.block_create(
            item=item,
            user=request.user,
            kind=serializer.validated_data["kind"],
            data=serializer.validated_data.get("data"),
            position=serializer.validated_data.get("position"),
        )
        return block_response(block, status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="ブロックの一覧"),
    retrieve=extend_schema(summary="ブロック"),
    partial_update=extend_schema(
        summary="ブロックの内容を置き換える（If-Match が必要）",
        request=BlockUpdateSerializer,
        responses={200: BlockSerializer},
    ),
    destroy=extend_schema(summary="ブロックを削除する（If-Match が必要）"),
)
@extend_schema(
    tags=["content"],
    description=(
        "項目の中のブロック（文章・表・参照など）。data の形は docs/report-format.md のとおりで、"
        "種類ごとの検査（誤りはすべて一度に）を通ったものだけが保存されます。"
    ),
)
class BlockViewSet(
    ConcurrencyMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = BlockSerializer
    filterset_class = BlockFilter
    ordering_fields = ["id", "position", "updated_at"]
    ordering = ["item_id", "position", "id"]
    policy_actions = {"partial_update": "view", "destroy": "view", "shift": "view"}
    if_match_actions = ("shift",)
    http_method_names = ["get", "post", "patch", "delete", "head"]

    def get_queryset(self):
        qs = Block.objects.select_related(
            "item__section__report", "item__section__department", "updated_by"
        )
        return policy.visible(self.request.user, Block, qs)

    def lock_parents(self, obj: Block) -> None:
        locked_section(obj.item.section_id)

    def _locked(self) -> tuple[Block, Section]:
        block = self.get_object()
        return block, locked_section(block.item.section_id)

    @transaction.atomic
    def partial_update(self, request, *args, **kwargs):
        block, section = self._locked()
        serializer = BlockUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        check_editable(request.user, section)
        block = content.block_update(
            block=block,
            user=request.user,
            data=serializer.validated_data["data"],
            expected_version=self.expected_version,
        )
        return block_response(block)

    @transaction.atomic
    def destroy(self, request, *args, **kwargs):
        block, section = self._locked()
        check_editable(request.user, section)
        content.block_delete(block=block, user=request.user, expected_version=self.expected_version)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="項目の中で1つ上・下へ（If-Match が必要）",
        request=ShiftSerializer,
        responses={200: BlockSerializer},
    )
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def shift(self, request, *args, **kwargs):
        block, section = self._locked()
        serializer = ShiftSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        check_editable(request.user, section)
        block = content.block_shift(
            block=block, user=request.user, direction=serializer.validated_data["direction"]
        )
        return block_response(block)


__all__ = ["BlockViewSet", "ItemViewSet", "check_editable", "create_item", "locked_section"]
