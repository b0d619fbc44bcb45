"""API representations of the organisation, reports, sections (with their numbered tree) and
the workflow records. Input serializers refuse unknown keys (akiruno.api.parsing.StrictSerializerMixin).

A section's tree is read as reports.snapshot.build_content makes it, numbered by
reports.tree.render_tree, and each block carries its computed `view` (what its template shows)
and its `tables` (the neutral TableView that HTML, CSV and .xlsx are written from).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from akiruno.api import StrictModelSerializer, StrictSerializer
from akiruno.wareki import format_fiscal_year
from reports import blocks
from reports.models import (
    AnnualReport,
    Block,
    Department,
    Item,
    Section,
    SectionEvent,
    SectionSnapshot,
    User,
)
from reports.permissions import SECTION_ACTIONS, policy
from reports.snapshot import build_content
from reports.tables import TableView
from reports.tree import RenderedItem, render_tree

# -- people and departments -------------------------------------------------------------------


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    full_name = serializers.CharField(read_only=True)


class DepartmentRefSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class MeSerializer(serializers.ModelSerializer):
    email = serializers.CharField(read_only=True, help_text="メールアドレス（未登録なら空）")
    department = DepartmentRefSerializer(read_only=True, allow_null=True)
    is_administrator = serializers.BooleanField(read_only=True)
    role_labels = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "email",
            "department",
            "is_editor",
            "is_head",
            "is_reviewer",
            "is_administrator",
            "role_labels",
        ]
        read_only_fields = fields


class DepartmentSerializer(StrictModelSerializer):
    """A department. `parent` and `successor` are department codes."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    parent = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Department.objects.all(),
        allow_null=True,
        required=False,
        help_text="上位組織のコード",
    )
    successor = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Department.objects.all(),
        allow_null=True,
        required=False,
        help_text="統合・改称先のコード",
    )

    class Meta:
        model = Department
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "kind_label",
            "parent",
            "display_order",
            "is_active",
            "successor",
        ]
        read_only_fields = ["id"]
        extra_kwargs = {"display_order": {"max_value": 2**31 - 1}}


# -- annual reports ---------------------------------------------------------------------------


class AnnualReportSerializer(serializers.ModelSerializer):
    """A fiscal year's report, with the counts of the sections the user may see, by state."""

    fiscal_year_label = serializers.SerializerMethodField()
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    approved_by = UserRefSerializer(read_only=True, allow_null=True)
    section_counts = serializers.SerializerMethodField()

    class Meta:
        model = AnnualReport
        fields = [
            "id",
            "fiscal_year",
            "fiscal_year_label",
            "title",
            "deadline",
            "state",
            "state_label",
            "version",
            "approved_at",
            "approved_by",
            "created_at",
            "section_counts",
        ]
        read_only_fields = fields

    def get_fiscal_year_label(self, report: AnnualReport) -> str:
        return format_fiscal_year(report.fiscal_year)

    @extend_schema_field(
        {
            "type": "object",
            "description": "見える課別報告の状態ごとの件数",
            "properties": {state: {"type": "integer"} for state in Section.State.values},
            "required": list(Section.State.values),
        }
    )
    def get_section_counts(self, report: AnnualReport) -> dict[str, int]:
        counts = self.context.get("section_counts", {}).get(report.pk, {})
        return {state: counts.get(state, 0) for state in Section.State.values}


class AnnualReportCreateSerializer(StrictSerializer):
    fiscal_year = serializers.IntegerField(
        label="年度", min_value=1989, max_value=2100, help_text="西暦の年度（例: 2025）"
    )
    title = serializers.CharField(
        label="表題",
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="省略時は「令和7年度 事務報告書」",
    )
    deadline = serializers.DateField(label="提出期限", required=False, allow_null=True)
    create_sections = serializers.BooleanField(
        label="課別報告を作る",
        required=False,
        default=True,
        help_text="有効な課ごとに空の課別報告を作ります（既定 true）",
    )


class AnnualReportUpdateSerializer(StrictSerializer):
    title = serializers.CharField(label="表題", max_length=200, required=False)
    deadline = serializers.DateField(label="提出期限", required=False, allow_null=True)


# -- sections and their tree ------------------------------------------------------------------


class TableCellSerializer(serializers.Serializer):
    value = serializers.JSONField(read_only=True, help_text="型付きの値（計算値を含む）")
    display = serializers.CharField(read_only=True, help_text="印刷される文字列")
    type = serializers.CharField(read_only=True)
    is_header = serializers.BooleanField(read_only=True)
    stated = serializers.JSONField(
        read_only=True, allow_null=True, help_text="計算と異なる記載値（注記つき）"
    )


class TableRowSerializer(serializers.Serializer):
    kind = serializers.CharField(read_only=True, help_text="body / total / average / subtotal")
    cells = TableCellSerializer(many=True, read_only=True)


class TableGroupSerializer(serializers.Serializer):
    label = serializers.CharField(read_only=True)
    span = serializers.IntegerField(read_only=True)


class TableViewSerializer(serializers.Serializer):
    """A computed table: the same one that HTML, CSV and .xlsx are written from."""

    caption = serializers.CharField(read_only=True)
    unit = serializers.CharField(read_only=True, allow_null=True)
    headers = serializers.ListField(child=serializers.CharField(), read_only=True)
    columns = serializers.ListField(
        child=serializers.DictField(child=serializers.JSONField()), read_only=True
    )
    groups = TableGroupSerializer(many=True, read_only=True)
    rows = TableRowSerializer(many=True, read_only=True)
    notes = serializers.ListField(child=serializers.CharField(), read_only=True)
    print_columns = serializers.IntegerField(read_only=True)
    transposed = serializers.BooleanField(read_only=True)


class SectionBlockSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    uid = serializers.UUIDField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True)
    data = serializers.DictField(
        child=serializers.JSONField(),
        read_only=True,
        help_text="入力された内容（docs/report-format.md）",
    )
    resolved = serializers.JSONField(
        read_only=True, allow_null=True, help_text="参照ブロックが参照する記録（会議・財政）"
    )
    view = serializers.DictField(
        child=serializers.JSONField(),
        read_only=True,
        help_text="表示用に計算した内容（番号、合計、表示文字列）。形は種類ごと",
    )
    tables = TableViewSerializer(many=True, read_only=True)


class SectionItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    uid = serializers.UUIDField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    depth = serializers.IntegerField(read_only=True, help_text="1〜6")
    number = serializers.CharField(read_only=True, help_text="深さと順序から計算した見出し番号")
    heading = serializers.CharField(read_only=True)
    blocks = SectionBlockSerializer(many=True, read_only=True)


# The tree is recursive: an item's children are items.
SectionItemSerializer._declared_fields["children"] = SectionItemSerializer(
    many=True, read_only=True
)


class SectionSerializer(serializers.ModelSerializer):
    fiscal_year = serializers.IntegerField(source="report.fiscal_year", read_only=True)
    department = DepartmentRefSerializer(read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    is_editable = serializers.BooleanField(read_only=True)
    updated_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Section
        fields = [
            "id",
            "fiscal_year",
            "department",
            "department_name",
            "state",
            "state_label",
            "is_editable",
            "version",
            "content_version",
            "updated_at",
            "updated_by",
        ]
        read_only_fields = fields


class SectionDetailSerializer(SectionSerializer):
    """A section with its numbered tree and what the current user may do with it."""

    allowed_actions = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField()

    class Meta(SectionSerializer.Meta):
        fields = [*SectionSerializer.Meta.fields, "allowed_actions", "items"]
        read_only_fields = fields

    @extend_schema_field(
        serializers.ListField(
            child=serializers.ChoiceField(choices=list(SECTION_ACTIONS)),
            help_text="この利用者がいまできる操作（permissions.policy による）",
        )
    )
    def get_allowed_actions(self, section: Section) -> list[str]:
        user = self.context["request"].user
        return [action for action in SECTION_ACTIONS if policy.can(user, action, section)]

    @extend_schema_field(SectionItemSerializer(many=True))
    def get_items(self, section: Section) -> list[dict]:
        return SectionItemSerializer(section_tree(section), many=True).data


def section_tree(section: Section) -> list[dict]:
    """The section's items as a numbered tree with every block's view and tables.

    Two queries for the items and blocks, then one bulk resolve per reference block kind.
    """
    items = list(Item.objects.filter(section=section).order_by("parent_id", "position", "id"))
    item_blocks: dict[int, list[Block]] = defaultdict(list)
    for block in Block.objects.filter(item__section=section).order_by("item_id", "position", "id"):
        item_blocks[block.item_id].append(block)
    content = build_content(
        section.department.code,
        section.department_name,
        section.report.fiscal_year,
        items,
        item_blocks,
    )
    item_rows = {str(i.uid): i for i in items}
    block_rows = {str(b.uid): b for group in item_blocks.values() for b in group}

    def node(item: dict, rendered: RenderedItem) -> dict:
        row = item_rows[item["uid"]]
        out_blocks = []
        for block, rendered_block in zip(item["blocks"], rendered.blocks, strict=True):
            block_row = block_rows[block["uid"]]
            kind = blocks.get(block["kind"])
            view = {k: v for k, v in rendered_block.view.items() if k != "data"}
            out_blocks.append(
                {
                    "id": block_row.pk,
                    "uid": block["uid"],
                    "version": block_row.version,
                    "kind": block["kind"],
                    "data": block["data"],
                    "resolved": jsonable(block.get("resolved")),
                    "view": jsonable(view),
                    "tables": [
                        table_json(t) for t in kind.tables(block["data"], block.get("resolved"))
                    ],
                }
            )
        return {
            "id": row.pk,
            "uid": item["uid"],
            "version": row.version,
            "depth": rendered.depth,
            "number": rendered.number,
            "heading": item["heading"],
            "blocks": out_blocks,
            "children": [
                node(child, rendered_child)
                for child, rendered_child in zip(item["children"], rendered.children, strict=True)
            ],
        }

    return [
        node(item, rendered)
        for item, rendered in zip(content["items"], render_tree(content), strict=True)
    ]


def table_json(table: TableView) -> dict:
    return {
        "caption": table.caption,
        "unit": table.unit,
        "headers": table.header_labels(),
        "columns": jsonable(table.columns),
        "groups": [{"label": label, "span": span} for label, span in table.groups],
        "rows": [
            {
                "kind": row.kind,
                "cells": [
                    {
                        "value": jsonable(cell.value),
                        "display": cell.display,
                        "type": cell.type,
                        "is_header": cell.is_header,
                        "stated": jsonable(cell.stated),
                    }
                    for cell in row.cells
                ],
            }
            for row in table.rows
        ],
        "notes": list(table.notes),
        "print_columns": table.print_columns,
        "transposed": table.transposed,
    }


def jsonable(value: Any) -> Any:
    """Computed views hold dataclasses, Decimals and dates; JSON holds none of them."""
    if isinstance(value, TableView):
        return table_json(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


# -- workflow records -------------------------------------------------------------------------


class SectionEventSerializer(serializers.ModelSerializer):
    fiscal_year = serializers.IntegerField(source="section.report.fiscal_year", read_only=True)
    department = serializers.CharField(source="section.department.code", read_only=True)
    department_name = serializers.CharField(source="section.department_name", read_only=True)
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    from_state_label = serializers.CharField(source="get_from_state_display", read_only=True)
    to_state_label = serializers.CharField(source="get_to_state_display", read_only=True)
    actor = UserRefSerializer(read_only=True)
    snapshot = serializers.IntegerField(source="snapshot_id", read_only=True)
    section = serializers.IntegerField(source="section_id", read_only=True)

    class Meta:
        model = SectionEvent
        fields = [
            "id",
            "section",
            "fiscal_year",
            "department",
            "department_name",
            "action",
            "action_label",
            "from_state",
            "from_state_label",
            "to_state",
            "to_state_label",
            "actor",
            "comment",
            "section_version",
            "content_version",
            "snapshot",
            "created_at",
        ]
        read_only_fields = fields


class SectionSnapshotSerializer(serializers.ModelSerializer):
    section = serializers.IntegerField(source="section_id", read_only=True)
    fiscal_year = serializers.IntegerField(source="section.report.fiscal_year", read_only=True)
    department = serializers.CharField(source="section.department.code", read_only=True)

    class Meta:
        model = SectionSnapshot
        fields = [
            "id",
            "section",
            "fiscal_year",
            "department",
            "section_version",
            "content_version",
            "checksum",
            "created_at",
        ]
        read_only_fields = fields


class SectionSnapshotDetailSerializer(SectionSnapshotSerializer):
    content = serializers.JSONField(
        read_only=True, help_text="その時点の課別報告の内容（reports.snapshot の形式）"
    )

    class Meta(SectionSnapshotSerializer.Meta):
        fields = [*SectionSnapshotSerializer.Meta.fields, "content"]
        read_only_fields = fields
