"""The report's REST API (/api/v1/). Thin: querysets come from the policy, writes from services.

Every list runs a fixed number of queries whatever the page size (select_related, and one
aggregate query where a list shows counts).
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, viewsets
from rest_framework.response import Response

from akiruno.api import ConcurrencyMixin, CreateMixin, UpdateMixin
from reports.apis_workflow import ReportActionsMixin, SectionActionsMixin
from reports.filters import (
    AnnualReportFilter,
    DepartmentFilter,
    SectionEventFilter,
    SectionFilter,
    SectionSnapshotFilter,
)
from reports.models import AnnualReport, Department, Section, SectionEvent, SectionSnapshot
from reports.permissions import policy
from reports.serializers import (
    AnnualReportCreateSerializer,
    AnnualReportSerializer,
    AnnualReportUpdateSerializer,
    DepartmentSerializer,
    MeSerializer,
    SectionDetailSerializer,
    SectionEventSerializer,
    SectionSerializer,
    SectionSnapshotDetailSerializer,
    SectionSnapshotSerializer,
)
from reports.services import setup


@extend_schema(
    tags=["users"],
    summary="ログイン中の利用者（所属と役割）",
    description="いまの利用者の所属と役割（担当者・課長・審査担当・管理者）。",
)
class MeView(generics.GenericAPIView):
    serializer_class = MeSerializer

    def get(self, request):
        return Response(MeSerializer(request.user).data)


@extend_schema_view(
    list=extend_schema(summary="組織の一覧"),
    retrieve=extend_schema(summary="組織"),
    create=extend_schema(summary="組織を登録する（管理者）"),
    partial_update=extend_schema(summary="組織を変更する（管理者、If-Match が必要）"),
)
@extend_schema(
    tags=["departments"],
    description="組織（部・課・係）。コードで指定します。職員は全員が読め、登録・変更は管理者だけです。",
)
class DepartmentViewSet(
    ConcurrencyMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    CreateMixin,
    UpdateMixin,
    viewsets.GenericViewSet,
):
    """Departments by code. Every member of staff reads them; administrators write."""

    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilter
    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    ordering_fields = ["display_order", "code", "name"]
    ordering = ["display_order", "code"]
    policy_actions = {"create": "manage", "partial_update": "manage"}
    http_method_names = ["get", "post", "patch", "head"]

    def get_queryset(self):
        qs = Department.objects.select_related("parent", "successor")
        return policy.visible(self.request.user, Department, qs)

    def policy_prototype(self) -> Department:
        return Department()

    def perform_create(self, serializer) -> None:
        serializer.instance = setup.department_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer) -> None:
        serializer.instance = setup.department_update(
            department=serializer.instance, actor=self.request.user, **serializer.validated_data
        )


FISCAL_YEAR_PATH = OpenApiParameter(
    "fiscal_year",
    OpenApiTypes.INT,
    OpenApiParameter.PATH,
    description="西暦の年度（例: 2024 = 令和6年度）",
)


def section_counts(user, report_ids: list[int]) -> dict[int, dict[str, int]]:
    """Counts of the sections `user` may see, per report and state, in one query."""
    qs = policy.visible(user, Section, Section.objects.filter(report_id__in=report_ids))
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for row in qs.order_by().values("report_id", "state").annotate(n=Count("id")):
        counts[row["report_id"]][row["state"]] = row["n"]
    return counts


@extend_schema_view(
    list=extend_schema(summary="事務報告書（年度）の一覧"),
    retrieve=extend_schema(summary="事務報告書（年度）", parameters=[FISCAL_YEAR_PATH]),
    create=extend_schema(
        summary="年度の事務報告書を作る（管理者）",
        request=AnnualReportCreateSerializer,
        responses={201: AnnualReportSerializer},
    ),
    partial_update=extend_schema(
        summary="表題・提出期限を変更する（管理者、作成中のみ、If-Match が必要）",
        parameters=[FISCAL_YEAR_PATH],
        request=AnnualReportUpdateSerializer,
        responses={200: AnnualReportSerializer},
    ),
)
@extend_schema(
    tags=["reports"],
    description=(
        "年度ごとの事務報告書。/api/v1/reports/2024/ のように西暦の年度で指定します。"
        "section_counts は、利用者が見られる課別報告の状態ごとの件数です。"
    ),
)
class AnnualReportViewSet(
    ReportActionsMixin,
    ConcurrencyMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    CreateMixin,
    UpdateMixin,
    viewsets.GenericViewSet,
):
    """Fiscal years' reports, by fiscal year: /api/v1/reports/2024/."""

    serializer_class = AnnualReportSerializer
    filterset_class = AnnualReportFilter
    lookup_field = "fiscal_year"
    lookup_value_regex = r"[0-9]{1,4}"
    ordering_fields = ["fiscal_year", "created_at"]
    ordering = ["-fiscal_year"]
    policy_actions = {
        "create": "manage",
        "partial_update": "manage",
        **ReportActionsMixin.policy_actions,
    }
    if_match_actions = ReportActionsMixin.if_match_actions
    http_method_names = ["get", "post", "patch", "head"]

    def lock_parents(self, obj: AnnualReport) -> None:
        if getattr(self, "action", None) == "approve":
            # The approval locks every section, then the report (the order a reopen takes):
            # the If-Match re-read must not lock the report before them.
            list(Section.objects.select_for_update().filter(report_id=obj.pk).values_list("pk"))

    def get_queryset(self):
        qs = AnnualReport.objects.select_related("approved_by")
        return policy.visible(self.request.user, AnnualReport, qs)

    def get_serializer_class(self):
        if self.action == "create":
            return AnnualReportCreateSerializer
        if self.action == "partial_update":
            return AnnualReportUpdateSerializer
        return AnnualReportSerializer

    def output(self, reports: list[AnnualReport], *, many: bool):
        counts = section_counts(self.request.user, [r.pk for r in reports])
        context = {**self.get_serializer_context(), "section_counts": counts}
        return AnnualReportSerializer(reports if many else reports[0], many=many, context=context)

    def represent(self, instance: AnnualReport) -> dict:
        return self.output([instance], many=False).data

    def policy_prototype(self) -> AnnualReport:
        return AnnualReport()

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.output(list(page), many=True).data)

    def perform_create(self, serializer) -> None:
        serializer.instance = setup.report_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer) -> None:
        serializer.instance = setup.report_update(
            report=serializer.instance,
            actor=self.request.user,
            expected_version=self.expected_version,
            **serializer.validated_data,
        )


@extend_schema_view(
    list=extend_schema(summary="課別報告の一覧"),
    retrieve=extend_schema(summary="課別報告（番号付きの項目とブロック）"),
)
@extend_schema(
    tags=["sections"],
    description=(
        "課別報告。担当者・課長は自分の課の報告だけを、審査担当と管理者はすべてを見られます"
        "（見られない報告は 404）。詳細には番号付きの項目とブロック（計算済みの表示と表）が入ります。"
    ),
)
class SectionViewSet(SectionActionsMixin, ConcurrencyMixin, viewsets.ReadOnlyModelViewSet):
    """Sections the user may see; another department's section is 404. Transitions are
    actions (POST /sections/{id}/submit/ …, see reports.apis_workflow)."""

    policy_actions = SectionActionsMixin.policy_actions
    if_match_actions = SectionActionsMixin.if_match_actions

    filterset_class = SectionFilter
    ordering_fields = [
        "id",
        "report__fiscal_year",
        "department__display_order",
        "updated_at",
        "state",
    ]
    ordering = ["-report__fiscal_year", "department__display_order", "department__code"]

    def get_queryset(self):
        qs = Section.objects.select_related("report", "department", "updated_by")
        return policy.visible(self.request.user, Section, qs)

    def get_serializer_class(self):
        return SectionDetailSerializer if self.action == "retrieve" else SectionSerializer


@extend_schema_view(
    list=extend_schema(summary="審査の記録（提出・送付・差戻し・承認・再開）の一覧"),
    retrieve=extend_schema(summary="審査の記録"),
)
@extend_schema(
    tags=["events"],
    description="審査の記録（監査ログ、読み取り専用）。見られる課別報告の記録だけが返ります。",
)
class SectionEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The workflow's audit log, read-only: only events of sections the user may see."""

    serializer_class = SectionEventSerializer
    filterset_class = SectionEventFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        qs = SectionEvent.objects.select_related("section__report", "section__department", "actor")
        return policy.visible(self.request.user, SectionEvent, qs)


@extend_schema_view(
    list=extend_schema(summary="課別報告のスナップショット（審査の対象となった内容）の一覧"),
    retrieve=extend_schema(summary="スナップショットの内容"),
)
@extend_schema(
    tags=["events"],
    description="各操作の時点で凍結した課別報告の内容。審査の記録の snapshot から参照されます。",
)
class SectionSnapshotViewSet(viewsets.ReadOnlyModelViewSet):
    filterset_class = SectionSnapshotFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        qs = SectionSnapshot.objects.select_related("section__report", "section__department")
        if self.action == "list":
            qs = qs.defer("content")
        return policy.visible(self.request.user, SectionSnapshot, qs)

    def get_serializer_class(self):
        return (
            SectionSnapshotDetailSerializer
            if self.action == "retrieve"
            else SectionSnapshotSerializer
        )
