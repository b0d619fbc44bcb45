"""API representations and inputs of the content writes (items, blocks), the workflow's actions
(transitions, comments), builds and interchange. Inputs refuse unknown keys by name."""

from __future__ import annotations

from rest_framework import serializers

from akiruno.api import StrictSerializer
from reports import blocks
from reports.models import Block, Build, Item, ReviewComment
from reports.serializers import UserRefSerializer

DIRECTIONS = [("up", "上へ"), ("down", "下へ")]


class BlockRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Block
        fields = ["id", "uid", "kind", "position", "version"]
        read_only_fields = fields


class ItemSerializer(serializers.ModelSerializer):
    """An item as stored (its number is derived: read the section for the numbered tree)."""

    section = serializers.IntegerField(source="section_id", read_only=True)
    section_version = serializers.IntegerField(
        source="section.version",
        read_only=True,
        help_text="課別報告の今の版（第1階層に項目を追加するときの If-Match に使えます）",
    )
    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)
    updated_by = UserRefSerializer(read_only=True, allow_null=True)
    blocks = BlockRefSerializer(many=True, read_only=True)

    class Meta:
        model = Item
        fields = [
            "id",
            "uid",
            "section",
            "section_version",
            "parent",
            "position",
            "version",
            "heading",
            "updated_at",
            "updated_by",
            "blocks",
        ]
        read_only_fields = fields


class BlockSerializer(serializers.ModelSerializer):
    item = serializers.IntegerField(source="item_id", read_only=True)
    section = serializers.IntegerField(source="item.section_id", read_only=True)
    section_version = serializers.IntegerField(source="item.section.version", read_only=True)
    updated_by = UserRefSerializer(read_only=True, allow_null=True)
    data = serializers.JSONField(read_only=True, help_text="docs/report-format.md の形")

    class Meta:
        model = Block
        fields = [
            "id",
            "uid",
            "item",
            "section",
            "section_version",
            "kind",
            "position",
            "version",
            "data",
            "updated_at",
            "updated_by",
        ]
        read_only_fields = fields


class ItemCreateSerializer(StrictSerializer):
    heading = serializers.CharField(
        allow_blank=True, trim_whitespace=False, max_length=500, help_text="見出し（番号なし）"
    )
    position = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=10_000,
        help_text="0 から。省略で末尾",
    )


class ItemUpdateSerializer(StrictSerializer):
    heading = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=500)


class ItemMoveSerializer(StrictSerializer):
    parent = serializers.IntegerField(
        allow_null=True,
        min_value=1,
        max_value=2**31 - 1,
        help_text="移動先の親項目の ID（null で第1階層）",
    )
    position = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=10_000,
        help_text="0 から。省略で末尾",
    )


class ShiftSerializer(StrictSerializer):
    direction = serializers.ChoiceField(choices=DIRECTIONS, help_text="up または down")


class EmptySerializer(StrictSerializer):
    """No fields: `{}` or no body."""


class BlockCreateSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=[], help_text="ブロックの種類")
    data = serializers.DictField(
        child=serializers.JSONField(), required=False, help_text="省略で空のブロック"
    )
    position = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=1_000,
        help_text="0 から。省略で末尾",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = sorted(blocks.kinds())


class BlockUpdateSerializer(StrictSerializer):
    data = serializers.DictField(child=serializers.JSONField(), help_text="ブロックの内容の全体")


class ReturnSerializer(StrictSerializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, help_text="差戻しの理由（必須）"
    )
    pinned = serializers.ListField(
        child=serializers.JSONField(),
        required=False,
        help_text=(
            '場所を指定したコメント: {"item": uid, "block": uid?, "table": 0?, "row": 1?, '
            '"column": key?, "comment": 本文}'
        ),
    )


class ReopenSerializer(StrictSerializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, help_text="再開の理由（必須）"
    )


class CommentResolveSerializer(StrictSerializer):
    resolved = serializers.BooleanField(default=True, help_text="false で未対応に戻します")


class ReviewCommentSerializer(serializers.ModelSerializer):
    section = serializers.IntegerField(source="section_id", read_only=True)
    event = serializers.IntegerField(source="event_id", read_only=True)
    author = UserRefSerializer(read_only=True)
    resolved_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ReviewComment
        fields = [
            "id",
            "section",
            "event",
            "author",
            "body",
            "item_uid",
            "block_uid",
            "table_index",
            "row",
            "column",
            "place",
            "resolved_at",
            "resolved_by",
            "created_at",
        ]
        read_only_fields = fields


class BuildSerializer(serializers.ModelSerializer):
    fiscal_year = serializers.IntegerField(source="report.fiscal_year", read_only=True)
    section = serializers.IntegerField(source="section_id", read_only=True, allow_null=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    phase_label = serializers.CharField(source="get_phase_display", read_only=True)
    requested_by = UserRefSerializer(read_only=True, allow_null=True)
    files = serializers.SerializerMethodField(help_text="ファイル名 → {sha256, size, content_type}")

    class Meta:
        model = Build
        fields = [
            "id",
            "fiscal_year",
            "section",
            "kind",
            "kind_label",
            "status",
            "status_label",
            "phase",
            "phase_label",
            "progress_done",
            "progress_total",
            "input_checksum",
            "files",
            "page_count",
            "error",
            "attempts",
            "requested_by",
            "created_at",
            "started_at",
            "heartbeat_at",
            "finished_at",
            "published_at",
            "edition",
        ]
        read_only_fields = fields

    def get_files(self, build: Build) -> dict[str, dict]:
        return build.manifest or {}


class ImportResultSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField()
    created_sections = serializers.ListField(child=serializers.CharField())
    replaced_sections = serializers.ListField(child=serializers.CharField())
    dry_run = serializers.BooleanField()
    summary = serializers.CharField()
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="記録の件数: created・replaced・deleted"
    )
    changes = serializers.ListField(
        child=serializers.DictField(),
        help_text="作成・置換・削除される記録（action, kind, key, label, department, pointer）",
    )
    import_record = serializers.IntegerField(
        allow_null=True, help_text="取込みの記録の番号（import_report --restore に渡す）"
    )
