"""The anonymous, read-only public API (/api/v1/public/): published builds only.

Nothing here reads a section, an item or a block. Every answer comes from a published release
build: its stored files (data/index.json, _work/toc.json) and the approved snapshots it was built
from (listed in build.content_version with their checksums; each snapshot's checksum is
verified before it is served, so what the API shows is byte for byte what was published).
A draft, a return comment or a reopened section cannot reach this module: the build's
content_version names only snapshots taken at approval, and a build is published only by
reports.services.publication.

Every answer carries ETag (from the build's checksums), Last-Modified (the publication time) and
`Cache-Control: public`; a conditional request is answered 304. Requests are limited per address
(akiruno.api.throttles.PublicRateThrottle, scope "public").
"""

from __future__ import annotations

import hashlib
import json
import logging

from django.conf import settings
from django.urls import path, re_path
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from akiruno.api import PublicRateThrottle
from akiruno.exceptions import InvalidInput, NotFound
from akiruno.wareki import format_fiscal_year
from reports import blocks, selectors_public
from reports.models import Build, SectionSnapshot
from reports.serializers import jsonable, table_json
from reports.services import assembly
from reports.services.rendering import canonical_json, sha256
from reports.tree import RenderedItem, render_tree

logger = logging.getLogger(__name__)

EDITION = OpenApiParameter(
    "edition",
    OpenApiTypes.INT,
    description="公開の版（省略で最新の版）。訂正の前の版も読めます。",
)
YEAR = OpenApiParameter(
    "fiscal_year", OpenApiTypes.INT, OpenApiParameter.PATH, description="西暦の年度（例: 2024）"
)


def _max_age() -> int:
    return int(getattr(settings, "PUBLIC_CACHE_MAX_AGE", 60 * 60))


class PublicView(APIView):
    """Anonymous, throttled, cached; answers only from published builds."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [PublicRateThrottle]
    extra_error_statuses = (400,)  # ?edition= that is not a number

    def build(self, fiscal_year: int) -> Build:
        raw = self.request.query_params.get("edition")
        if raw in (None, ""):
            build = selectors_public.latest_published_build(fiscal_year)
        else:
            try:
                edition = int(raw)
                if not 1 <= edition <= 100_000:
                    raise ValueError
            except ValueError:
                raise InvalidInput(
                    "版は 1 以上の整数で指定してください。",
                    details={"edition": "1 以上の整数で指定してください。"},
                ) from None
            build = selectors_public.edition_build(fiscal_year, edition)
        if build is None:
            raise NotFound(
                f"{fiscal_year}年度の公開されている事務報告書"
                + ("（その版）" if raw else "")
                + "はありません。公開済みの年度は /api/v1/public/reports/ にあります。"
            )
        return build

    def cached(self, etag_source: str, last_modified, data_fn, *, immutable: bool = False):
        """A 304 when the client has it; otherwise `data_fn()` with the cache headers."""
        etag = f'"{etag_source}"'
        stamp = int(last_modified.timestamp()) if last_modified else None
        response = get_conditional_response(self.request, etag=etag, last_modified=stamp)
        if response is None:
            response = Response(data_fn())
        response["ETag"] = etag
        if stamp is not None:
            response["Last-Modified"] = http_date(stamp)
        if immutable:
            patch_cache_control(response, public=True, max_age=365 * 24 * 60 * 60, immutable=True)
        else:
            patch_cache_control(response, public=True, max_age=_max_age())
        return response

    def is_edition_request(self) -> bool:
        return bool(self.request.query_params.get("edition"))


def _read_json(build: Build, name: str):
    path = assembly.build_dir(build) / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        logger.error("public api: file %s of build %s is missing", name, build.pk)
        raise NotFound("公開ファイルが見つかりません。システム管理者に連絡してください。") from None


def _public_url(build: Build, rest: str = "", *, latest: bool) -> str:
    """The public site's URL of a file: the latest edition's, or an earlier edition's."""
    year = build.report.fiscal_year
    if latest:
        return f"/reports/{year}/{rest}"
    return f"/reports/{year}/editions/{build.edition}/{rest}"


def _published_content(build: Build, code: str | None = None) -> list[tuple[dict, dict]]:
    """(content_version entry, the approved content) of each department the build published,
    each verified against the checksum the build recorded. One query."""
    entries = [
        e
        for e in build.content_version.get("sections", [])
        if code is None or e["department"] == code
    ]
    snapshots = SectionSnapshot.objects.in_bulk([e["snapshot"] for e in entries])
    out = []
    for entry in entries:
        snapshot = snapshots.get(entry["snapshot"])
        if snapshot is None:
            raise NotFound("公開された内容が見つかりません。システム管理者に連絡してください。")
        content = dict(snapshot.content)
        content.setdefault("department", entry["department"])
        content.setdefault("department_name", entry["department_name"])
        if sha256(canonical_json(content)) != entry["checksum"]:
            logger.error("public api: snapshot %s does not match build %s", snapshot.pk, build.pk)
            raise NotFound("公開された内容を確認できません。システム管理者に連絡してください。")
        out.append((entry, content))
    return out


def _item_json(item: dict, rendered: RenderedItem) -> dict:
    out_blocks = []
    for block, rendered_block in zip(item.get("blocks", []), rendered.blocks, strict=True):
        kind = blocks.get(block["kind"])
        view = {k: v for k, v in rendered_block.view.items() if k != "data"}
        out_blocks.append(
            {
                "uid": block.get("uid", ""),
                "kind": block["kind"],
                "data": jsonable(block["data"]),
                "view": jsonable(view),
                "tables": [
                    table_json(t) for t in kind.tables(block["data"], block.get("resolved"))
                ],
            }
        )
    return {
        "uid": item.get("uid", ""),
        "depth": rendered.depth,
        "number": rendered.number,
        "heading": item.get("heading", ""),
        "blocks": out_blocks,
        "children": [
            _item_json(child, rendered_child)
            for child, rendered_child in zip(
                item.get("children", []), rendered.children, strict=True
            )
        ],
    }


def _build_summary(build: Build) -> dict:
    return {
        "fiscal_year": build.report.fiscal_year,
        "fiscal_year_label": format_fiscal_year(build.report.fiscal_year),
        "title": build.content_version.get("title") or build.report.title,
        "edition": build.edition,
        "published_at": build.published_at,
        "checksum": build.input_checksum,
    }


class PublicYearSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField()
    fiscal_year_label = serializers.CharField()
    title = serializers.CharField()
    edition = serializers.IntegerField(help_text="最新の版")
    editions = serializers.IntegerField(help_text="公開した版の数")
    published_at = serializers.DateTimeField()
    url = serializers.CharField(help_text="この API の目次")


class PublicYearListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = PublicYearSerializer(many=True)


@extend_schema_view(
    get=extend_schema(
        operation_id="public_reports_list",
        tags=["public"],
        summary="公開中の年度の一覧（匿名）",
        responses={200: PublicYearListSerializer},
    )
)
class PublicYearListView(PublicView):
    def get(self, request):
        years = selectors_public.published_years()
        source = hashlib.sha256(
            json.dumps(
                [(y.fiscal_year, y.edition, y.published_at.isoformat()) for y in years]
            ).encode()
        ).hexdigest()[:32]
        latest = max((y.published_at for y in years), default=None)

        def data():
            return {
                "count": len(years),
                "results": [
                    {
                        "fiscal_year": y.fiscal_year,
                        "fiscal_year_label": format_fiscal_year(y.fiscal_year),
                        "title": y.title,
                        "edition": y.edition,
                        "editions": y.editions,
                        "published_at": y.published_at,
                        "url": f"/api/v1/public/reports/{y.fiscal_year}/",
                    }
                    for y in years
                ],
            }

        return self.cached(source, latest, data)


class TocEntrySerializer(serializers.Serializer):
    anchor = serializers.CharField()
    number = serializers.CharField()
    heading = serializers.CharField()


class TocDepartmentSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    checksum = serializers.CharField()
    url = serializers.CharField(help_text="この課の内容（API）")
    page = serializers.CharField(help_text="公開サイトの頁")
    entries = TocEntrySerializer(many=True, help_text="第1階層の見出し")


class PublicReportSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField()
    fiscal_year_label = serializers.CharField()
    title = serializers.CharField()
    edition = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    checksum = serializers.CharField(help_text="公開した内容のチェックサム（ETag と同じ）")
    editions = serializers.ListField(child=serializers.DictField())
    departments = TocDepartmentSerializer(many=True)
    files = serializers.DictField(
        child=serializers.DictField(), help_text="公開ファイル → {url, sha256, size, content_type}"
    )
    tables = serializers.CharField(help_text="オープンデータ（表）の目録（API）")
    meetings = serializers.CharField(help_text="会議の開催状況（API）")


@extend_schema_view(
    get=extend_schema(
        operation_id="public_reports_retrieve",
        tags=["public"],
        summary="公開中の事務報告書の目次（匿名）",
        parameters=[YEAR, EDITION],
        responses={200: PublicReportSerializer},
    )
)
class PublicReportView(PublicView):
    def get(self, request, fiscal_year: str):
        fiscal_year = int(fiscal_year)
        build = self.build(fiscal_year)

        def data():
            toc = _read_json(build, "_work/toc.json")
            checksums = {
                e["department"]: e["checksum"] for e in build.content_version.get("sections", [])
            }
            suffix = f"?edition={build.edition}" if self.is_edition_request() else ""
            base = f"/api/v1/public/reports/{fiscal_year}/"
            editions = selectors_public.editions(fiscal_year)
            latest = bool(editions) and editions[0].pk == build.pk
            return {
                **_build_summary(build),
                "editions": [
                    {"edition": b.edition, "published_at": b.published_at} for b in editions
                ],
                "departments": [
                    {
                        "code": part["code"],
                        "name": part["name"],
                        "checksum": checksums.get(part["code"], ""),
                        "url": f"{base}departments/{part['code']}/{suffix}",
                        "page": _public_url(build, f"{part['code']}/", latest=latest),
                        "entries": part["entries"],
                    }
                    for part in toc
                ],
                "files": {
                    name: {**entry, "url": _public_url(build, name, latest=latest)}
                    for name, entry in sorted(build.manifest.items())
                    if not name.startswith("_work/") and not name.startswith("departments/")
                },
                "tables": f"{base}tables/{suffix}",
                "meetings": f"{base}meetings/{suffix}",
            }

        return self.cached(
            f"{build.input_checksum}-{build.edition}",
            build.published_at,
            data,
            immutable=self.is_edition_request(),
        )


class PublicItemSerializer(serializers.Serializer):
    uid = serializers.CharField()
    depth = serializers.IntegerField()
    number = serializers.CharField()
    heading = serializers.CharField()
    blocks = serializers.ListField(child=serializers.DictField())


PublicItemSerializer._declared_fields["children"] = PublicItemSerializer(many=True)


class PublicDepartmentSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField()
    fiscal_year_label = serializers.CharField()
    title = serializers.CharField()
    edition = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    checksum = serializers.CharField()
    department = serializers.DictField(child=serializers.CharField())
    items = PublicItemSerializer(many=True)


@extend_schema_view(
    get=extend_schema(
        operation_id="public_reports_departments_retrieve",
        tags=["public"],
        summary="公開された課の内容（番号付きの項目と計算済みの表示・表、匿名）",
        parameters=[
            YEAR,
            OpenApiParameter(
                "code", OpenApiTypes.STR, OpenApiParameter.PATH, description="課コード"
            ),
            EDITION,
        ],
        responses={200: PublicDepartmentSerializer},
    )
)
class PublicDepartmentView(PublicView):
    def get(self, request, fiscal_year: str, code: str):
        fiscal_year = int(fiscal_year)
        build = self.build(fiscal_year)
        entry = next(
            (e for e in build.content_version.get("sections", []) if e["department"] == code),
            None,
        )
        if entry is None:
            raise NotFound(f"この版には課コード「{code}」の内容はありません。")

        def data():
            [(entry_, content)] = _published_content(build, code)
            return {
                **_build_summary(build),
                "checksum": entry_["checksum"],
                "department": {"code": code, "name": entry_["department_name"]},
                "items": [
                    _item_json(item, rendered)
                    for item, rendered in zip(
                        content.get("items", []), render_tree(content), strict=True
                    )
                ],
            }

        return self.cached(
            f"{entry['checksum']}-{build.edition}",
            build.published_at,
            data,
            immutable=self.is_edition_request(),
        )


@extend_schema_view(
    get=extend_schema(
        operation_id="public_reports_tables_retrieve",
        tags=["public"],
        summary="オープンデータ（表）の目録: 各 CSV の URL・列・単位・チェックサム（匿名）",
        parameters=[YEAR, EDITION],
        responses={200: OpenApiTypes.OBJECT},
    )
)
class PublicTablesView(PublicView):
    def get(self, request, fiscal_year: str):
        fiscal_year = int(fiscal_year)
        build = self.build(fiscal_year)
        entry = build.manifest.get("data/index.json")
        if entry is None:
            raise NotFound("この版には表の目録がありません。")

        def data():
            index = _read_json(build, "data/index.json")
            latest = selectors_public.latest_published_build(fiscal_year)
            index["zip"] = _public_url(
                build, "data.zip", latest=latest is not None and latest.pk == build.pk
            )
            index["edition"] = build.edition
            return index

        return self.cached(
            f"{entry['sha256']}-{build.edition}",
            build.published_at,
            data,
            immutable=self.is_edition_request(),
        )


@extend_schema_view(
    get=extend_schema(
        operation_id="public_reports_meetings_retrieve",
        tags=["public"],
        summary="会議の開催状況（公開された報告書のとおり、匿名）",
        parameters=[YEAR, EDITION],
        responses={200: OpenApiTypes.OBJECT},
    )
)
class PublicMeetingsView(PublicView):
    def get(self, request, fiscal_year: str):
        fiscal_year = int(fiscal_year)
        build = self.build(fiscal_year)

        def data():
            results = []
            for entry, content in _published_content(build):
                self._collect(entry, content, results)
            return {**_build_summary(build), "count": len(results), "results": results}

        return self.cached(
            f"{build.input_checksum}-{build.edition}-meetings",
            build.published_at,
            data,
            immutable=self.is_edition_request(),
        )

    @staticmethod
    def _collect(entry: dict, content: dict, out: list) -> None:
        meeting_kinds = blocks.in_collection("meetings")

        def walk(items: list[dict], rendered_items: list[RenderedItem]) -> None:
            for item, rendered in zip(items, rendered_items, strict=True):
                for block, rendered_block in zip(
                    item.get("blocks", []), rendered.blocks, strict=True
                ):
                    if block["kind"] not in meeting_kinds:
                        continue
                    kind = blocks.get(block["kind"])
                    view = {k: v for k, v in rendered_block.view.items() if k != "data"}
                    out.append(
                        {
                            "department": {
                                "code": entry["department"],
                                "name": entry["department_name"],
                            },
                            "number": rendered.number,
                            "heading": item.get("heading", ""),
                            "kind": block["kind"],
                            "view": jsonable(view),
                            "tables": [
                                table_json(t)
                                for t in kind.tables(block["data"], block.get("resolved"))
                            ],
                        }
                    )
                walk(item.get("children", []), rendered.children)

        walk(content.get("items", []), render_tree(content))


YEAR_RE = r"reports/(?P<fiscal_year>[0-9]{1,4})"

urlpatterns = [
    path("reports/", PublicYearListView.as_view(), name="report-list"),
    re_path(rf"^{YEAR_RE}/$", PublicReportView.as_view(), name="report-detail"),
    re_path(
        rf"^{YEAR_RE}/departments/(?P<code>[-a-zA-Z0-9_]{{1,50}})/$",
        PublicDepartmentView.as_view(),
        name="department-detail",
    ),
    re_path(rf"^{YEAR_RE}/tables/$", PublicTablesView.as_view(), name="tables"),
    re_path(rf"^{YEAR_RE}/meetings/$", PublicMeetingsView.as_view(), name="meetings"),
]
