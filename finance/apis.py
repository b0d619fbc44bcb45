"""REST API for finance records (/api/v1/finance/): the same services as the staff pages.

Records travel in the interchange format (docs/report-format.md, "Finance"); every refusal is
the API's one error shape with the problems at JSON pointers.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from akiruno import fiscal
from akiruno.api import ServicePolicyPermission
from akiruno.exceptions import InvalidInput, NotFound, PermissionDenied

from . import selectors, services, tables
from .interchange import export_finance, import_finance
from .kinds import KINDS, SLUGS


def _kind(slug: str) -> str:
    if slug not in SLUGS:
        raise NotFound("見つかりません。")
    return SLUGS[slug]


def _year(year: int) -> int:
    """A year a write can use: one the calendar helpers can name and whose dates (to the May
    after the year, for loans) exist. Others were 500s (found by schemathesis)."""
    if not 1900 <= year <= fiscal.LAST_FISCAL_YEAR:
        raise InvalidInput(
            f"年度 {year} は扱えません。西暦の年度（例: 2024）を指定してください。",
            details={"year": f"1900〜{fiscal.LAST_FISCAL_YEAR} の西暦で指定してください。"},
        )
    return year


def _browse(request: Request) -> None:
    if not selectors.can_browse(request.user, selectors.finance_department()):
        raise NotFound("見つかりません。")


def entry_json(entry: selectors.Entry) -> dict:
    """A record with its version, what it computes to, and what needs checking."""
    return {
        "id": entry.obj.pk,
        "kind": entry.kind.name,
        "fiscal_year": entry.obj.fiscal_year,
        "version": entry.obj.version,
        "data": entry.data,
        "tables": [table.csv_rows() for table in tables.record_tables(entry.kind.name, entry.data)],
        "problems": [{"where": p.where, "message": p.message} for p in entry.problems],
        "carryover_differences": [
            {"where": d.where, "message": d.message, "note": d.note} for d in entry.differences
        ],
    }


def _version_and_data(request: Request) -> tuple[int, object]:
    body = request.data if isinstance(request.data, dict) else {}
    version = body.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise InvalidInput(
            "version（取得したときの版の番号）を指定してください。",
            details={"version": "整数で指定してください。"},
        )
    return version, body.get("data")


class FinanceYearApi(APIView):
    """GET: the year's finance object. PUT: replace the year's records (administrators)."""

    permission_classes = [ServicePolicyPermission]
    # The policy action its service checks; an unnamed write is refused.
    policy_actions = {"put": "import"}

    @extend_schema(operation_id="finance_year_retrieve", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, year: int) -> Response:
        _browse(request)
        data = selectors.year_data(fiscal_year=year, user=request.user)
        return Response(
            {
                "fiscal_year": year,
                "records": [entry_json(e) for e in data.entries],
            }
        )

    @extend_schema(
        operation_id="finance_year_import",
        request=OpenApiTypes.OBJECT,
        responses=OpenApiTypes.OBJECT,
    )
    def put(self, request: Request, year: int) -> Response:
        if not request.user.is_superuser:
            raise PermissionDenied("財政データの一括取り込みは管理者が行います。")
        import_finance(request.data, fiscal_year=_year(year))
        return Response({"finance": export_finance(fiscal_year=year)})


class FinanceRecordCreateApi(APIView):
    """POST {"data": {...}}: create a record of the year."""

    permission_classes = [ServicePolicyPermission]
    # The policy action its service checks; an unnamed write is refused.
    policy_actions = {"post": "edit"}

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request, year: int, slug: str) -> Response:
        kind = _kind(slug)
        body = request.data if isinstance(request.data, dict) else {}
        obj = services.record_create(
            kind=kind, fiscal_year=_year(year), user=request.user, raw=body.get("data")
        )
        entry = selectors.entry_for(KINDS[kind].queryset().get(pk=obj.pk))
        return Response(entry_json(entry), status=status.HTTP_201_CREATED)


def _delete_version(request: Request) -> int:
    """DELETE's version: ?version=N (documented; a DELETE body is not part of OpenAPI), or the
    {"version": N} body older clients send."""
    raw = request.query_params.get("version")
    if raw is None:
        return _version_and_data(request)[0]
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(
            "version（取得したときの版の番号）を整数で指定してください。",
            details={"version": f"「{raw}」は整数ではありません。"},
        ) from None


class FinanceRecordApi(APIView):
    """GET a record; PUT {"version", "data"} to replace its figures; DELETE ?version=N."""

    permission_classes = [ServicePolicyPermission]
    # The policy action its service checks; an unnamed write is refused.
    policy_actions = {"put": "edit", "delete": "edit"}
    extra_error_statuses = {"DELETE": (400,)}  # a missing or malformed ?version=

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, slug: str, pk: int) -> Response:
        return Response(
            entry_json(selectors.record_entry(kind=_kind(slug), pk=pk, user=request.user))
        )

    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    def put(self, request: Request, slug: str, pk: int) -> Response:
        kind = _kind(slug)
        entry = selectors.record_entry(kind=kind, pk=pk, user=request.user)
        version, data = _version_and_data(request)
        services.record_save(record=entry.obj, raw=data, user=request.user, version=version)
        saved = selectors.entry_for(KINDS[kind].queryset().get(pk=pk))
        return Response(entry_json(saved))

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "version",
                int,
                required=True,
                description="取得したときの版（version）。変わっていれば 409 で、削除しません。",
            )
        ],
        responses={204: None},
    )
    def delete(self, request: Request, slug: str, pk: int) -> Response:
        entry = selectors.record_entry(kind=_kind(slug), pk=pk, user=request.user)
        version = _delete_version(request)
        services.record_delete(record=entry.obj, user=request.user, version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FinanceStartYearApi(APIView):
    """POST: create the year's records from last year's (carry-over)."""

    permission_classes = [ServicePolicyPermission]
    # The policy action its service checks; an unnamed write is refused.
    policy_actions = {"post": "edit"}

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request, year: int) -> Response:
        return Response(services.finance_start_year(fiscal_year=_year(year), user=request.user))
