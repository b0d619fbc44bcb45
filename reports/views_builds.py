"""Staff pages for builds: the list with live progress (htmx polling), start, retry, preview,
and the files of unpublished and preview builds (never under a public URL)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from akiruno.exceptions import ApplicationError, NotFound
from reports.models import AnnualReport, Build, Section
from reports.permissions import policy
from reports.public_views import serve_build_file
from reports.services import assembly

RECENT_BUILDS = 30


def _report(request: HttpRequest, fiscal_year: int) -> AnnualReport:
    report = get_object_or_404(AnnualReport, fiscal_year=fiscal_year)
    if not policy.can(request.user, "preview", report):
        raise Http404("見つかりません。")
    return report


def _build(report: AnnualReport, build_id: int) -> Build:
    return get_object_or_404(
        Build.objects.select_related("report", "section", "requested_by"),
        pk=build_id,
        report=report,
    )


def build_row_context(request: HttpRequest, build: Build) -> dict:
    """What staff/builds/_row.html needs: the build, whether this user may retry it, whether
    its worker has gone quiet."""
    return {
        "build": build,
        "can_retry": policy.can(request.user, "retry", build),
        "stale": build.status == Build.Status.RUNNING
        and build.heartbeat_at is not None
        and build.heartbeat_at < timezone.now() - assembly.stale_after(),
    }


@login_required
@require_safe
def build_list(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    report = _report(request, fiscal_year)
    builds = list(
        Build.objects.filter(report=report)
        .select_related("report", "section", "requested_by")
        .order_by("-created_at", "-id")[:RECENT_BUILDS]
    )
    sections = Section.objects.filter(report=report).select_related("department")
    rows = [build_row_context(request, b) for b in builds]
    return render(
        request,
        "staff/builds/list.html",
        {
            "report": report,
            "rows": rows,
            "polling": any(not r["build"].is_finished and not r["stale"] for r in rows),
            "can_build": policy.can(request.user, "build", report)
            and report.state == AnnualReport.State.APPROVED,
            "sections": sections,
        },
    )


@login_required
@require_safe
def build_progress(request: HttpRequest, fiscal_year: int, build_id: int) -> HttpResponse:
    """The row of one build; htmx swaps it in every 2 s while the build is unfinished."""
    report = _report(request, fiscal_year)
    build = _build(report, build_id)
    return render(request, "staff/builds/_row.html", build_row_context(request, build))


@login_required
@require_safe
def build_detail(request: HttpRequest, fiscal_year: int, build_id: int) -> HttpResponse:
    """One build's progress as a page of its own (a bookmark, a new tab): its row polls like
    the list's, and without JavaScript the page reloads itself until the build ends."""
    report = _report(request, fiscal_year)
    build = _build(report, build_id)
    return render(request, "staff/builds/progress.html", build_row_context(request, build))


def _act(request: HttpRequest, fiscal_year: int, action) -> HttpResponse:
    try:
        build = action()
    except ApplicationError as exc:
        if isinstance(exc, NotFound):
            raise Http404(exc.message) from None
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"構築#{build.pk}を受け付けました。進み具合はこのページに表示されます。"
        )
    return redirect("staff-builds", fiscal_year=fiscal_year)


@login_required
@require_POST
def build_start(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    report = _report(request, fiscal_year)
    return _act(
        request, fiscal_year, lambda: assembly.build_start(report=report, user=request.user)
    )


@login_required
@require_POST
def build_retry(request: HttpRequest, fiscal_year: int, build_id: int) -> HttpResponse:
    report = _report(request, fiscal_year)
    build = _build(report, build_id)
    return _act(request, fiscal_year, lambda: assembly.build_retry(build=build, user=request.user))


@login_required
@require_POST
def build_preview(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    """Preview the whole report, or one section with `section=<id>`."""
    report = get_object_or_404(AnnualReport, fiscal_year=fiscal_year)
    target: AnnualReport | Section = report
    section_id = request.POST.get("section")
    if section_id:
        if not section_id.isdigit():
            raise Http404("見つかりません。")
        target = get_object_or_404(
            Section.objects.select_related("report", "department"),
            pk=int(section_id),
            report=report,
        )
    try:
        build = assembly.build_preview(target=target, user=request.user)
    except NotFound as exc:
        raise Http404(exc.message) from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(request.POST.get("next") or "staff-home")
    messages.success(request, f"プレビュー（構築#{build.pk}）を作成しています。")
    if policy.can(request.user, "preview", report):
        return redirect("staff-builds", fiscal_year=fiscal_year)
    return redirect(
        "staff-build-files", fiscal_year=fiscal_year, build_id=build.pk, path="report.pdf"
    )


def _file_name(path: str) -> str:
    """Map a URL path below files/ to a stored name, like the public URLs do."""
    if path in ("", "index.html"):
        return "index.html"
    if path in ("all/", "all.html"):
        return "all.html"
    if path in ("report.pdf", "data.zip", "data/index.json") or (
        path.startswith("data/") and path.endswith(".csv")
    ):
        return path
    if path.endswith("/") and "/" not in path[:-1]:
        return f"departments/{path[:-1]}.html"
    raise Http404("見つかりません。")


@login_required
@require_safe
def build_file(request: HttpRequest, fiscal_year: str, build_id: str, path: str) -> HttpResponse:
    """A file of any build, for staff who may see it (previews: users who may preview)."""
    fiscal_year, build_id = int(fiscal_year), int(build_id)
    build = get_object_or_404(
        Build.objects.select_related("report", "section"),
        pk=build_id,
        report__fiscal_year=fiscal_year,
    )
    if not policy.can(request.user, "view", build):
        raise Http404("見つかりません。")
    if build.status != Build.Status.SUCCEEDED:
        return render(
            request, "staff/builds/pending.html", build_row_context(request, build), status=202
        )
    response = serve_build_file(request, build, _file_name(path), cache="private", max_age=0)
    response["X-Robots-Tag"] = "noindex"
    return response
