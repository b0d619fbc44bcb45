"""The workflow over the API: transitions as actions, the report's approval, return comments,
builds, and interchange (export/import). Every write calls the service the pages call.

Transitions need If-Match (the section's ETag, passed on as `seen_version`). The permission
class only asks "may the user see it" (404 otherwise); the service then answers 403 for the
wrong actor, 409 for the wrong state and 400 for invalid input, in that order.
"""

from __future__ import annotations

import django_filters
from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from akiruno.api import StrictSerializer
from akiruno.exceptions import InvalidInput
from reports.filters import CodeListFilter, IntegerFilter, YearFilter
from reports.models import Build, ReviewComment, Section
from reports.permissions import policy
from reports.serializers import AnnualReportSerializer, SectionDetailSerializer
from reports.serializers_write import (
    BuildSerializer,
    CommentResolveSerializer,
    EmptySerializer,
    ImportResultSerializer,
    ItemCreateSerializer,
    ItemSerializer,
    ReopenSerializer,
    ReturnSerializer,
    ReviewCommentSerializer,
)
from reports.services import workflow

TRANSITION_ACTIONS = ("submit", "forward", "return_", "approve", "reopen")


def _empty_body(request) -> None:
    data = request.data if request.data not in (None, "") else {}
    EmptySerializer(data=data).is_valid(raise_exception=True)


def _transition_schema(summary: str, request=EmptySerializer):
    return extend_schema(
        summary=summary,
        request=request,
        responses={200: SectionDetailSerializer},
        tags=["workflow"],
    )


class SectionActionsMixin:
    """Transitions and the top-level item create, on SectionViewSet."""

    policy_actions = {**{name: "view" for name in TRANSITION_ACTIONS}, "items": "view"}
    if_match_actions = TRANSITION_ACTIONS

    def _section_response(self, section: Section) -> Response:
        section = (
            Section.objects.select_related("report", "department", "updated_by")
            .filter(pk=section.pk)
            .get()
        )
        self.etag_object = section
        return Response(SectionDetailSerializer(section, context={"request": self.request}).data)

    @_transition_schema("提出する（担当者: 作成中・差戻し → 課長確認待ち）")
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def submit(self, request, *args, **kwargs):
        section = self.get_object()
        _empty_body(request)
        section = workflow.section_submit(
            section=section, user=request.user, seen_version=self.expected_version
        )
        return self._section_response(section)

    @_transition_schema("企画政策課へ送付する（課長: 課長確認待ち → 審査中）")
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def forward(self, request, *args, **kwargs):
        section = self.get_object()
        _empty_body(request)
        section = workflow.section_forward(
            section=section, user=request.user, seen_version=self.expected_version
        )
        return self._section_response(section)

    @_transition_schema(
        "差し戻す（課長: 課長確認待ち、審査担当: 審査中 → 差戻し。comment 必須）", ReturnSerializer
    )
    @action(detail=True, methods=["post"], url_path="return")
    @transaction.atomic
    def return_(self, request, *args, **kwargs):
        section = self.get_object()
        serializer = ReturnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        section = workflow.section_return(
            section=section,
            user=request.user,
            comment=serializer.validated_data.get("comment", ""),
            pinned=serializer.validated_data.get("pinned", []),
            seen_version=self.expected_version,
        )
        return self._section_response(section)

    @_transition_schema("承認する（審査担当: 審査中 → 承認済み）")
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def approve(self, request, *args, **kwargs):
        section = self.get_object()
        _empty_body(request)
        section = workflow.section_approve(
            section=section, user=request.user, seen_version=self.expected_version
        )
        return self._section_response(section)

    @_transition_schema(
        "再開する（審査担当: 承認済み → 差戻し。reason 必須。公開後は企画政策課長のみ）",
        ReopenSerializer,
    )
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def reopen(self, request, *args, **kwargs):
        section = self.get_object()
        serializer = ReopenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        section = workflow.section_reopen(
            section=section,
            user=request.user,
            reason=serializer.validated_data.get("reason", ""),
            seen_version=self.expected_version,
        )
        return self._section_response(section)

    @extend_schema(
        summary="第1階層に項目を追加する（If-Match は任意: 課別報告の ETag）",
        request=ItemCreateSerializer,
        responses={201: ItemSerializer},
        tags=["content"],
    )
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def items(self, request, *args, **kwargs):
        from reports.apis_content import check_optional_if_match, create_item, locked_section

        section = locked_section(self.get_object().pk)
        check_optional_if_match(request, section)
        return create_item(request, section, None)


def _flag(request, name: str) -> bool:
    value = request.query_params.get(name, "")
    if value.lower() in {"", "0", "false", "no"}:
        return False
    if value.lower() in {"1", "true", "yes"}:
        return True
    raise InvalidInput(
        f"{name} には 1 か 0（true / false）を指定してください。",
        details={name: "1 か 0 を指定してください。"},
    )


FLAG = {
    "dry_run": "1: 検証だけして書き込まない",
    "replace": "1: 既にある年度の課別報告を置き換える",
    "keep_states": "1: ファイルの状態のまま取り込む（システム管理者のみ）",
    "delete_missing": "1: ファイルにない記録（会計・会議体・会議・課別報告）を削除する（既定: 残す）",
    "confirm_delete": "1: delete_missing による削除を確認した（ないと削除を伴う取込みは 409）",
}


class ImportQuerySerializer(StrictSerializer):
    department = serializers.CharField(required=False)


class ReportActionsMixin:
    """The report's approval, its builds and interchange, on AnnualReportViewSet."""

    policy_actions = {"approve": "view", "build": "view", "export": "export", "import_": "import"}
    if_match_actions = ("approve",)
    extra_error_statuses = {"export": (400,)}  # ?department= with no section that year

    @extend_schema(
        summary="報告書を承認する（企画政策課長、全課承認済みのとき。承認後に構築が始まります）",
        request=EmptySerializer,
        responses={200: AnnualReportSerializer},
        tags=["workflow"],
    )
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def approve(self, request, *args, **kwargs):
        report = self.get_object()
        _empty_body(request)
        report = workflow.report_approve(
            report=report, user=request.user, seen_version=self.expected_version
        )
        self.etag_object = report
        return Response(self.represent(report))

    @extend_schema(
        summary="公開用の構築を始める（企画政策課長・管理者、承認済みの報告書）",
        request=EmptySerializer,
        responses={202: BuildSerializer},
        tags=["builds"],
    )
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def build(self, request, *args, **kwargs):
        from reports.services import assembly

        report = self.get_object()
        _empty_body(request)
        build = assembly.build_start(report=report, user=request.user)
        return Response(BuildSerializer(build).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="交換形式（JSON）で書き出す（審査担当・管理者）",
        parameters=[
            OpenApiParameter("department", OpenApiTypes.STR, description="1つの課だけ（課コード）")
        ],
        responses={200: OpenApiTypes.OBJECT},
        tags=["interchange"],
    )
    @action(detail=True, methods=["get"])
    def export(self, request, *args, **kwargs):
        from reports.services.interchange import export_report

        report = self.get_object()
        department = request.query_params.get("department") or None
        return Response(export_report(fiscal_year=report.fiscal_year, department=department))

    @extend_schema(
        summary="交換形式（JSON）を取り込む（管理者。本文が文書そのもの）",
        parameters=[
            OpenApiParameter(name, OpenApiTypes.BOOL, description=text)
            for name, text in FLAG.items()
        ]
        + [
            OpenApiParameter(
                "department", OpenApiTypes.STR, description="この課の課別報告だけを取り込む"
            )
        ],
        request=OpenApiTypes.OBJECT,
        responses={200: ImportResultSerializer},
        tags=["interchange"],
    )
    @action(detail=False, methods=["post"], url_path="import")
    def import_(self, request, *args, **kwargs):
        from reports.services.interchange import import_report

        flags = {}
        errors = {}
        for name in FLAG:
            try:
                flags[name] = _flag(request, name)
            except InvalidInput as exc:
                errors.update(exc.details)
        if errors:
            raise InvalidInput("クエリーパラメーターに誤りがあります。", details=errors)
        result = import_report(
            request.data,
            user=request.user,
            department=request.query_params.get("department") or None,
            source="api",
            **flags,
        )
        return Response(
            ImportResultSerializer(
                {
                    "fiscal_year": result.fiscal_year,
                    "created_sections": result.created_sections,
                    "replaced_sections": result.replaced_sections,
                    "dry_run": result.dry_run,
                    "summary": result.summary(),
                    "counts": result.counts(),
                    "changes": [
                        c.as_dict()
                        for c in result.changes
                        if c.action in ("create", "replace", "delete")
                    ],
                    "import_record": result.record_id,
                }
            ).data
        )


class ReviewCommentFilter(django_filters.FilterSet):
    section = IntegerFilter(field_name="section_id", label="課別報告の ID")
    event = IntegerFilter(field_name="event_id", label="審査の記録の ID")
    fiscal_year = YearFilter(field_name="section__report__fiscal_year")
    department = CodeListFilter(
        field_name="section__department__code", label="課のコード（カンマ区切りで複数）"
    )
    resolved = django_filters.BooleanFilter(
        field_name="resolved_at", lookup_expr="isnull", exclude=True, label="対応済み（true/false）"
    )

    class Meta:
        model = ReviewComment
        fields = ["section", "event", "fiscal_year", "department", "resolved"]


@extend_schema_view(
    list=extend_schema(summary="差戻し・再開のコメントの一覧"),
    retrieve=extend_schema(summary="コメント"),
)
@extend_schema(
    tags=["workflow"],
    description="差戻し・再開のときのコメント（場所を指定したものを含む）。見られる課別報告のものだけ。",
)
class ReviewCommentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = ReviewCommentSerializer
    filterset_class = ReviewCommentFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "id"]
    policy_actions = {"resolve": "view"}

    def get_queryset(self):
        qs = ReviewComment.objects.select_related(
            "section__report", "section__department", "author", "resolved_by"
        )
        return policy.visible(self.request.user, ReviewComment, qs)

    @extend_schema(
        summary="対応済みにする（または resolved: false で戻す。自課の担当者・課長、編集中のみ）",
        request=CommentResolveSerializer,
        responses={200: ReviewCommentSerializer},
    )
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def resolve(self, request, *args, **kwargs):
        comment = self.get_object()
        serializer = CommentResolveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = workflow.comment_resolve(
            comment=comment, user=request.user, resolved=serializer.validated_data["resolved"]
        )
        comment = self.get_queryset().get(pk=comment.pk)
        return Response(ReviewCommentSerializer(comment).data)


class BuildFilter(django_filters.FilterSet):
    fiscal_year = YearFilter(field_name="report__fiscal_year")
    kind = django_filters.ChoiceFilter(choices=Build.Kind.choices, label="種類")
    status = django_filters.MultipleChoiceFilter(
        choices=Build.Status.choices, label="状態（複数指定可）"
    )
    published = django_filters.BooleanFilter(
        field_name="published_at",
        lookup_expr="isnull",
        exclude=True,
        label="公開済み（true/false）",
    )

    class Meta:
        model = Build
        fields = ["fiscal_year", "kind", "status", "published"]


@extend_schema_view(
    list=extend_schema(summary="構築の一覧"),
    retrieve=extend_schema(summary="構築（状態・進み具合・時刻・ファイルのチェックサム）"),
)
@extend_schema(
    tags=["builds"],
    description=(
        "事務報告書の構築（HTML・PDF・CSV の作成と公開）。公開済みの構築は職員全員が、"
        "それ以外は審査担当・管理者（課のプレビューはその課）が見られます。"
    ),
)
class BuildViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = BuildSerializer
    filterset_class = BuildFilter
    ordering_fields = ["created_at", "id", "finished_at"]
    ordering = ["-created_at", "-id"]
    policy_actions = {"retry": "view"}

    def get_queryset(self):
        qs = Build.objects.select_related("report", "requested_by")
        return policy.visible(self.request.user, Build, qs)

    @extend_schema(
        summary="やり直す（失敗した構築、応答が途絶えた実行中の構築）",
        request=EmptySerializer,
        responses={202: BuildSerializer},
    )
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def retry(self, request, *args, **kwargs):
        from reports.services import assembly

        build = self.get_object()
        _empty_body(request)
        build = assembly.build_retry(build=build, user=request.user)
        return Response(BuildSerializer(build).data, status=status.HTTP_202_ACCEPTED)
