"""REST API for meetings (/api/v1/meetings/): everything the staff pages do.

Thin like the views: they read through the selectors, write through the services, and let the
API error handler turn domain errors into {"code", "message", "details"}.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from akiruno.api import PageNumberPagination, ServicePolicyPermission
from akiruno.exceptions import InvalidInput, PermissionDenied
from meetings import imports, interchange, selectors, services, spreadsheets
from meetings.filters import active_in
from meetings.models import AgendaItem, ManualCount, MeetingBody, MeetingSession
from meetings.permissions import can_record_meetings
from reports.models import Department
from reports.permissions import is_admin, is_reviewer, policy

# --- output shapes -----------------------------------------------------------------------


class AgendaItemSerializer(serializers.Serializer):
    text = serializers.CharField()
    marker = serializers.ChoiceField(choices=["諮問", "報告"], allow_null=True)


class SessionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    body = serializers.CharField(help_text="会議体のキー")
    fiscal_year = serializers.IntegerField(read_only=True)
    category = serializers.CharField()
    sequence = serializers.IntegerField(allow_null=True)
    start = serializers.DateField()
    end = serializers.DateField(allow_null=True)
    format = serializers.ChoiceField(choices=MeetingSession.Format.choices)
    venue = serializers.CharField(allow_blank=True)
    attendance = serializers.IntegerField(allow_null=True, min_value=0)
    agenda = AgendaItemSerializer(many=True)
    note = serializers.CharField(allow_blank=True)

    def to_representation(self, session: MeetingSession) -> dict:
        return {
            "id": session.pk,
            "version": session.version,
            "body": session.body.key,
            "fiscal_year": session.fiscal_year,
            **interchange.session_json(session),
        }


class ManualCountSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    body = serializers.CharField()
    fiscal_year = serializers.IntegerField()
    category = serializers.CharField()
    count = serializers.IntegerField(min_value=0)
    by_format = inline_serializer(
        "ByFormat",
        {
            "online": serializers.IntegerField(),
            "written": serializers.IntegerField(),
            "hybrid": serializers.IntegerField(),
        },
    )
    note = serializers.CharField()

    def to_representation(self, count: ManualCount) -> dict:
        return {
            "id": count.pk,
            "version": count.version,
            "body": count.body.key,
            "fiscal_year": count.fiscal_year,
            **interchange.manual_count_json(count),
        }


class BodySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    key = serializers.SlugField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=MeetingBody.Kind.choices)
    department = serializers.CharField(help_text="課のコード")
    role = serializers.ChoiceField(choices=MeetingBody.Role.choices)
    purpose = serializers.CharField(allow_blank=True)
    parent = serializers.CharField(allow_null=True, help_text="上位の会議体のキー")
    numbering = serializers.ChoiceField(choices=MeetingBody.Numbering.choices)
    active_from = serializers.IntegerField(allow_null=True)
    active_to = serializers.IntegerField(allow_null=True)

    def to_representation(self, body: MeetingBody) -> dict:
        return {
            "id": body.pk,
            "version": body.version,
            **{
                k: v
                for k, v in interchange.body_json(body, sessions=[], manual_counts=[]).items()
                if k not in {"sessions", "manual_counts"}
            },
        }


class BodyListItemSerializer(BodySerializer):
    """A body in the list: with the number of its sessions in the listed fiscal year."""

    session_count = serializers.IntegerField(
        read_only=True, help_text="その年度（fiscal_year）の会議の数"
    )

    class Meta:
        ref_name = "BodyListItem"

    def to_representation(self, body: MeetingBody) -> dict:
        return {**super().to_representation(body), "session_count": body.session_count}


# --- helpers -----------------------------------------------------------------------------


def _fiscal_year(request: Request) -> int:
    value = request.query_params.get("fiscal_year")
    if value in (None, ""):
        return selectors.default_fiscal_year()
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(
            "年度は西暦の整数（2024 など）で指定してください。",
            details={"fiscal_year": f"「{value}」は年度として読めません。"},
        ) from None


def _department(code) -> Department | None:
    if code in (None, ""):
        return None
    department = Department.objects.filter(code=str(code)).first()
    if department is None:
        raise InvalidInput(
            "担当課のコードが正しくありません。",
            details={"department": f"「{code}」という課はありません。"},
        )
    return department


def _parent(user, key) -> MeetingBody | None:
    if key in (None, ""):
        return None
    parent = MeetingBody.objects.filter(key=str(key)).first()
    if parent is None or not policy.can(user, "view", parent):
        raise InvalidInput(
            "上位の会議体が見つかりません。",
            details={"parent": f"キー「{key}」の会議体はありません。"},
        )
    return parent


def _object(request: Request) -> dict:
    """The request body, which must be a JSON object (a list or a bare value is a 400)."""
    if not isinstance(request.data, dict):
        raise InvalidInput(
            '本文は JSON のオブジェクト（{"項目": 値, …}）で送ってください。',
            details={"body": "オブジェクトではありません。"},
        )
    return request.data


def _referenced_body(user, key) -> MeetingBody:
    """The body named by the `body` field of a new session or count.

    A key that is missing, unknown or names a body the user may not see is the same 400 (the
    field is wrong, not the URL), so other departments' bodies do not leak; whether the user may
    record for a body they see is the service's 403.
    """
    if key in (None, ""):
        raise InvalidInput(
            "会議体のキー（body）を指定してください。", details={"body": "必須です。"}
        )
    body = MeetingBody.objects.select_related("department", "parent").filter(key=str(key)).first()
    if body is None or not policy.can(user, "view", body):
        raise InvalidInput(
            "会議体が見つかりません。", details={"body": f"キー「{key}」の会議体はありません。"}
        )
    return body


def _version(data) -> int:
    try:
        return int(data.get("version"))
    except (TypeError, ValueError):
        raise InvalidInput(
            "version を指定してください（取得したときの版。他の人の更新を上書きしないために使います）。",
            details={"version": "整数で指定してください。"},
        ) from None


def _visible_body(request: Request, key: str, action: str = "view") -> MeetingBody:
    body = get_object_or_404(MeetingBody.objects.select_related("department", "parent"), key=key)
    policy.check(request.user, action, body)
    return body


def _invalid_filters(filterset) -> InvalidInput:
    return InvalidInput(
        "絞り込みの条件に誤りがあります。",
        details={name: " ".join(errors) for name, errors in filterset.errors.items()},
    )


def _body_fields(data) -> dict:
    return {
        k: data.get(k)
        for k in ("key", "name", "kind", "role", "purpose", "numbering", "active_from", "active_to")
    }


FILTER_PARAMETERS = [
    OpenApiParameter("fiscal_year", int, description="年度（西暦）"),
    OpenApiParameter("department", int, description="担当課の id"),
    OpenApiParameter("kind", str, description="会議体の種類"),
    OpenApiParameter("body", int, description="会議体の id"),
    OpenApiParameter("format", str, description="in_person / written / online / hybrid"),
    OpenApiParameter(
        "date_from", str, description="開催日（から）: 2024-04-01 または 令和6年4月1日"
    ),
    OpenApiParameter("date_to", str, description="開催日（まで）"),
    OpenApiParameter("q", str, description="会議体名・議題・区分・会場のキーワード"),
]


# --- bodies ------------------------------------------------------------------------------


class BodyListApi(APIView):
    permission_classes = [ServicePolicyPermission]
    # The policy action its service checks; an unnamed write is refused.
    policy_actions = {"post": "add_body"}
    pagination_class = PageNumberPagination  # also documents the envelope and ?page/page_size

    @extend_schema(
        summary="会議体の一覧",
        parameters=[
            OpenApiParameter("fiscal_year", int, description="会議数を数える年度（西暦）"),
            OpenApiParameter(
                "active", bool, description="その年度に活動している会議体だけ（既定 true）"
            ),
            OpenApiParameter("department", int),
            OpenApiParameter("kind", str),
            OpenApiParameter("role", str),
            OpenApiParameter("q", str),
        ],
        responses=BodyListItemSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        fiscal_year = _fiscal_year(request)
        filterset = selectors.body_list(
            user=request.user, filters=request.query_params, fiscal_year=fiscal_year
        )
        if not filterset.is_valid():
            raise _invalid_filters(filterset)
        qs = filterset.qs
        if request.query_params.get("active", "true").lower() not in {"false", "0", "no"}:
            qs = active_in(qs, fiscal_year)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(BodyListItemSerializer(page, many=True).data)

    @extend_schema(summary="会議体の登録", request=BodySerializer, responses={201: BodySerializer})
    def post(self, request: Request) -> Response:
        data = _object(request)
        body = services.body_create(
            user=request.user,
            department=_department(data.get("department")),
            parent=_parent(request.user, data.get("parent")),
            data=_body_fields(data),
        )
        return Response(BodySerializer(body).data, status=status.HTTP_201_CREATED)


class BodyDetailApi(APIView):
    permission_classes = [ServicePolicyPermission]
    # The policy action its service checks; an unnamed write is refused.
    policy_actions = {"put": "edit", "patch": "edit", "delete": "delete"}

    @extend_schema(summary="会議体", responses=BodySerializer)
    def get(self, request: Request, key: str) -> Response:
        return Response(BodySerializer(_visible_body(request, key)).data)

    @extend_schema(
        summary="会議体の更新（version 必須、キーは変わりません）",
        request=BodySerializer,
        responses=BodySerializer,
    )
    def put(self, request: Request, key: str) -> Response:
        body = _visible_body(request, key, "edit")
        changes = _object(request)
        data = {**interchange.body_json(body, sessions=[], manual_counts=[]), **changes}
        body = services.body_update(
            user=request.user,
            body=body,
            version=_version(changes),
            department=_department(data.get("department")),
            parent=_parent(request.user, data.get("parent")),
            data=_body_fields(data),
        )
        return Response(BodySerializer(body).data)

    patch = put

    @extend_schema(summary="会議体の削除（会議と手入力の回数も）", responses={204: None})
    def delete(self, request: Request, key: str) -> Response:
        services.body_delete(user=request.user, body=_visible_body(request, key, "delete"))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- sessions ----------------------------------------------------------------------------


def _session(request: Request, pk: int, action: str = "view") -> MeetingSession:
    session = get_object_or_404(
        MeetingSession.objects.select_related("body", "body__department").prefetch_related(
            Prefetch("agenda_items", queryset=AgendaItem.objects.order_by("position", "id"))
        ),
        pk=pk,
    )
    policy.check(request.user, action, session)
    return session


class SessionListApi(APIView):
    permission_classes = [ServicePolicyPermission]
    # The policy action its service checks; an unnamed write is refused.
    policy_actions = {"post": "add_session"}
    pagination_class = PageNumberPagination  # also documents the envelope and ?page/page_size

    @extend_schema(
        summary="会議の一覧・検索",
        parameters=FILTER_PARAMETERS,
        responses=SessionSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        filterset = selectors.session_list(user=request.user, filters=request.query_params)
        if not filterset.is_valid():
            raise _invalid_filters(filterset)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(filterset.qs, request, view=self)
        return paginator.get_paginated_response(SessionSerializer(page, many=True).data)

    @extend_schema(
        summary="会議の登録（fiscal_year: 記録する年度。開催日はその年度内）",
        request=SessionSerializer,
        responses={201: SessionSerializer},
    )
    def post(self, request: Request) -> Response:
        data = _object(request)
        body = _referenced_body(request.user, data.get("body"))
        try:
            fiscal_year = int(data.get("fiscal_year"))
        except (TypeError, ValueError):
            raise InvalidInput(
                "記録する年度（fiscal_year）を西暦の整数で指定してください。",
                details={"fiscal_year": "整数で指定してください（2024 など）。"},
            ) from None
        session = services.session_create(
            user=request.user, body=body, fiscal_year=fiscal_year, data=data
        )
        return Response(SessionSerializer(_session(request, session.pk)).data, status=201)


class SessionDetailApi(APIView):
    permission_classes = [ServicePolicyPermission]
    # The policy action its service checks; an unnamed write is refused.
    policy_actions = {"put": "edit", "patch": "edit", "delete": "edit"}

    @extend_schema(summary="会議", responses=SessionSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(SessionSerializer(_session(request, pk)).data)

    @extend_schema(
        summary="会議の更新（version 必須、議題は置き換え）",
        request=SessionSerializer,
        responses=SessionSerializer,
    )
    def put(self, request: Request, pk: int) -> Response:
        session = _session(request, pk, "edit")
        changes = _object(request)
        data = {**interchange.session_json(session), **changes}
        try:
            fiscal_year = int(data.get("fiscal_year", session.fiscal_year))
        except (TypeError, ValueError):
            raise InvalidInput(
                "fiscal_year は西暦の整数で指定してください。",
                details={"fiscal_year": "整数で指定してください。"},
            ) from None
        services.session_update(
            user=request.user,
            session=session,
            version=_version(changes),
            fiscal_year=fiscal_year,
            data=data,
        )
        return Response(SessionSerializer(_session(request, pk)).data)

    patch = put

    @extend_schema(summary="会議の削除", responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        services.session_delete(user=request.user, session=_session(request, pk, "edit"))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- manual counts -----------------------------------------------------------------------


class ManualCountListApi(APIView):
    permission_classes = [ServicePolicyPermission]
    # The policy action its service checks; an unnamed write is refused.
    policy_actions = {"post": "add_count"}
    pagination_class = PageNumberPagination  # also documents the envelope and ?page/page_size

    @extend_schema(
        summary="手入力の回数の一覧",
        parameters=[
            OpenApiParameter("fiscal_year", int),
            OpenApiParameter("body", str, description="会議体のキー"),
        ],
        responses=ManualCountSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        qs = policy.visible(
            request.user,
            ManualCount,
            ManualCount.objects.select_related("body").order_by(
                "body__key", "fiscal_year", "category"
            ),
        )
        if request.query_params.get("fiscal_year"):
            qs = qs.filter(fiscal_year=_fiscal_year(request))
        if request.query_params.get("body"):
            qs = qs.filter(body__key=request.query_params["body"])
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(ManualCountSerializer(page, many=True).data)

    @extend_schema(
        summary="回数の手入力",
        request=ManualCountSerializer,
        responses={201: ManualCountSerializer},
    )
    def post(self, request: Request) -> Response:
        data = _object(request)
        body = _referenced_body(request.user, data.get("body"))
        try:
            fiscal_year = int(data.get("fiscal_year"))
        except (TypeError, ValueError):
            raise InvalidInput(
                "年度（fiscal_year）を西暦の整数で指定してください。",
                details={"fiscal_year": "整数で指定してください。"},
            ) from None
        count = services.manual_count_create(
            user=request.user, body=body, fiscal_year=fiscal_year, data=data
        )
        return Response(ManualCountSerializer(count).data, status=201)


class ManualCountDetailApi(APIView):
    permission_classes = [ServicePolicyPermission]
    # The policy action its service checks; an unnamed write is refused.
    policy_actions = {"put": "edit", "patch": "edit", "delete": "edit"}

    def _get(self, request: Request, pk: int, action: str) -> ManualCount:
        count = get_object_or_404(ManualCount.objects.select_related("body"), pk=pk)
        policy.check(request.user, action, count)
        return count

    @extend_schema(summary="手入力の回数", responses=ManualCountSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(ManualCountSerializer(self._get(request, pk, "view")).data)

    @extend_schema(
        summary="手入力の回数の更新（version 必須）",
        request=ManualCountSerializer,
        responses=ManualCountSerializer,
    )
    def put(self, request: Request, pk: int) -> Response:
        count = self._get(request, pk, "edit")
        changes = _object(request)
        data = {**interchange.manual_count_json(count), **changes}
        count = services.manual_count_update(
            user=request.user, count=count, version=_version(changes), data=data
        )
        return Response(ManualCountSerializer(count).data)

    patch = put

    @extend_schema(summary="手入力の回数の削除", responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        services.manual_count_delete(user=request.user, count=self._get(request, pk, "edit"))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- import and export -------------------------------------------------------------------


class SessionImportApi(APIView):
    permission_classes = [ServicePolicyPermission]
    # The policy action its service checks; an unnamed write is refused.
    policy_actions = {"post": "add_session"}
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="会議の取込み（.xlsx / CSV）。dry_run=true で確認だけ",
        request=inline_serializer(
            "SessionImport",
            {
                "file": serializers.FileField(),
                "fiscal_year": serializers.IntegerField(),
                "replace": serializers.BooleanField(required=False),
                "dry_run": serializers.BooleanField(required=False),
            },
        ),
        responses={200: None, 201: None},
    )
    def post(self, request: Request) -> Response:
        if not can_record_meetings(request.user):
            raise PermissionDenied("会議を取り込めるのは、各課の担当者・課長とシステム管理者です。")
        upload = request.FILES.get("file")
        if upload is None:
            raise InvalidInput(
                "取り込むファイル（file）を指定してください。", details={"file": "必須です。"}
            )
        try:
            fiscal_year = int(request.data.get("fiscal_year"))
        except (TypeError, ValueError):
            raise InvalidInput(
                "取り込む年度（fiscal_year）を西暦の整数で指定してください。",
                details={"fiscal_year": "整数で指定してください。"},
            ) from None

        def flag(name: str) -> bool:
            return str(request.data.get(name, "")).lower() in {"1", "true", "on", "yes"}

        sheet = spreadsheets.read_upload(upload)
        replace = flag("replace")
        if flag("dry_run"):
            check = imports.check_session_rows(
                user=request.user, fiscal_year=fiscal_year, rows=sheet.rows, replace=replace
            )
            if not check.ok:
                raise InvalidInput(
                    f"{len(check.error_rows)}行に誤りがあります（何も取り込んでいません）。",
                    details=check.details(),
                )
        else:
            check = imports.import_session_rows(
                user=request.user, fiscal_year=fiscal_year, rows=sheet.rows, replace=replace
            )
        return Response(
            {
                "fiscal_year": fiscal_year,
                "dry_run": flag("dry_run"),
                "rows": len(check.rows),
                "replaced": check.replaced,
                "ignored_columns": sheet.ignored_columns,
            },
            status=status.HTTP_200_OK if flag("dry_run") else status.HTTP_201_CREATED,
        )


class MeetingsExportApi(APIView):
    permission_classes = [ServicePolicyPermission]
    extra_error_statuses = (400,)  # ?fiscal_year= that is not a year

    @extend_schema(
        summary="会議データの書き出し（交換形式の meetings）: 審査担当・管理者",
        parameters=[
            OpenApiParameter("fiscal_year", int, description="年度（西暦）。既定は今の年度")
        ],
        responses={200: None},
    )
    def get(self, request: Request) -> Response:
        if not (is_reviewer(request.user) or is_admin(request.user)):
            raise PermissionDenied(
                "会議データを書き出せるのは、企画政策課の審査担当とシステム管理者です。"
            )
        fiscal_year = _fiscal_year(request)
        return Response(
            {
                "fiscal_year": fiscal_year,
                "meetings": interchange.export_meetings(fiscal_year=fiscal_year),
            }
        )
