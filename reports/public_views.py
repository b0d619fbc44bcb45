"""The public, read-only site. It shows published builds only.

Report pages and downloads are the stored files of the latest published build of the fiscal
year, never a rendering of the database: one indexed query finds the build, the file is sent
from disk with its checksum as ETag, Last-Modified (the publication time) and a public
Cache-Control; a conditional request is answered 304 without opening the file. A file whose
checksum no longer matches the build's record is refused with 503 (checked once per change on
disk, reports.public_files.intact), here as on the fast path. An earlier
edition's files live at /reports/<year>/editions/<n>/… and never change, so they are cached
for a year.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from reports import public_files, selectors_public
from reports.models import Build
from reports.services import assembly, search
from reports.services.publication import changed_departments

logger = logging.getLogger(__name__)

YEAR = 365 * 24 * 60 * 60


def _max_age() -> int:
    return int(getattr(settings, "PUBLIC_CACHE_MAX_AGE", 60 * 60))


def _latest(fiscal_year: int) -> Build:
    build = selectors_public.latest_published_build(fiscal_year)
    if build is None:
        raise Http404("公開されている事務報告書はありません。")
    return build


def serve_build_file(
    request: HttpRequest,
    build: Build,
    name: str,
    *,
    cache: str = "public",
    max_age: int | None = None,
    immutable: bool = False,
) -> HttpResponse:
    """Send one stored file of a build with validators and cache headers."""
    entry = build.manifest.get(name)
    if entry is None:
        raise Http404("見つかりません。")
    etag = f'"{entry["sha256"]}"'
    modified = build.published_at or build.finished_at or build.created_at
    last_modified = int(modified.timestamp())
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        path = assembly.build_dir(build) / name
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            logger.error("public: file %s of build %s is missing", name, build.pk)
            raise Http404("見つかりません。") from None
        if not public_files.intact(path, handle, entry["sha256"]):
            # Changed on disk since it was recorded: never the tampered bytes (as the fast path).
            handle.close()
            logger.error(
                "public: file %s of build %s no longer matches its checksum; refused",
                name,
                build.pk,
            )
            return public_files.tampered_response()
        response = FileResponse(handle, content_type=entry["content_type"])
        if "Content-Disposition" in response:
            del response["Content-Disposition"]  # FileResponse names the file on disk
        disposition = public_files.content_disposition(build.report.fiscal_year, name)
        if disposition:
            response["Content-Disposition"] = disposition
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    options = {cache: True, "max_age": _max_age() if max_age is None else max_age}
    if immutable:
        options["immutable"] = True
    patch_cache_control(response, **options)
    return response


@require_safe
def public_home(request: HttpRequest) -> HttpResponse:
    years = selectors_public.published_years()
    response = render(request, "public/home.html", {"years": years})
    patch_cache_control(response, public=True, max_age=300)
    return response


@require_safe
def report_index(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    return serve_build_file(request, _latest(fiscal_year), "index.html")


@require_safe
def report_all(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    return serve_build_file(request, _latest(fiscal_year), "all.html")


@require_safe
def department_page(request: HttpRequest, fiscal_year: int, department_code: str) -> HttpResponse:
    return serve_build_file(request, _latest(fiscal_year), f"departments/{department_code}.html")


@require_safe
def report_pdf(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    return serve_build_file(request, _latest(fiscal_year), "report.pdf")


@require_safe
def data_zip(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    return serve_build_file(request, _latest(fiscal_year), "data.zip")


@require_safe
def data_index(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    return serve_build_file(request, _latest(fiscal_year), "data/index.json")


@require_safe
def data_csv(request: HttpRequest, fiscal_year: int, name: str) -> HttpResponse:
    return serve_build_file(request, _latest(fiscal_year), f"data/{name}.csv")


@require_safe
def edition_list(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    builds = selectors_public.editions(fiscal_year)
    if not builds:
        raise Http404("公開されている事務報告書はありません。")
    rows = []
    for index, build in enumerate(builds):
        previous = builds[index + 1] if index + 1 < len(builds) else None
        rows.append(
            {"build": build, "latest": index == 0, "changed": changed_departments(build, previous)}
        )
    latest = builds[0]
    response = render(
        request,
        "public/editions.html",
        {
            "fiscal_year": fiscal_year,
            "title": latest.content_version.get("title") or latest.report.title,
            "base_url": f"/reports/{fiscal_year}/",
            "rows": rows,
        },
    )
    patch_cache_control(response, public=True, max_age=300)
    return response


@require_safe
def edition_file(request: HttpRequest, fiscal_year: int, edition: int, name: str) -> HttpResponse:
    """An earlier edition's PDF or data ZIP: immutable, cached for a year."""
    if name not in {"report.pdf", "data.zip"}:
        raise Http404("見つかりません。")
    build = selectors_public.edition_build(fiscal_year, edition)
    if build is None:
        raise Http404("見つかりません。")
    return serve_build_file(request, build, name, max_age=YEAR, immutable=True)


@require_safe
def public_search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    results = search.search(query, page=request.GET.get("page", 1))
    response = render(request, "public/search.html", {"query": query, "results": results})
    patch_cache_control(response, public=True, max_age=300)
    return response
