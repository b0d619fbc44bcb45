"""Assembly: the approved snapshots of a fiscal year → a build's files → publication.

A build runs in three phases, each safe to repeat:
1. `start_release` / `start_preview` find or create the Build and claim it (compare-and-set on
   its status; a redelivered task, same task id, may take over its own running build).
2. `render_static_phase` renders HTML, CSV, the ZIP and the PDF sources (reports.services.
   rendering) into MEDIA_ROOT/builds/<id>/; then one `render_pdf_part` per department (Celery
   subtasks in parallel) lays out that department's PDF.
3. `finish_build` renders the front matter with page numbers, merges and numbers the PDF, and in
   one transaction marks the build succeeded and, for a release build of an approved report
   whose approved content is still what was built, publishes it.

Every write after the claim is conditioned on (status = running, attempts = the claim's
attempt), so a task that lost its claim (a retry took over) changes nothing. A worker killed
mid-build leaves the build running and unpublished; `build_retry` re-queues it once its
heartbeat is older than ASSEMBLY_STALE_SECONDS, and a redelivered task takes it over at once.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from akiruno.exceptions import ApplicationError, Conflict, InvalidInput, PermissionDenied
from reports.models import AnnualReport, Build, Section, SectionEvent, SectionSnapshot, User
from reports.permissions import policy
from reports.services import broker, pdf, rendering

logger = logging.getLogger(__name__)

# Part of the input checksum: bump it when the output of the same content changes (templates,
# CSV rules), so that a new build is made instead of an old one being reused.
RENDERER_VERSION = 1

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".zip": "application/zip",
    ".pdf": "application/pdf",
}

DEFAULT_LICENSE = (
    "クリエイティブ・コモンズ 表示 4.0 国際（CC BY 4.0）"
    "https://creativecommons.org/licenses/by/4.0/deed.ja"
)


def stale_after() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "ASSEMBLY_STALE_SECONDS", 15 * 60)))


# -- reading the input ------------------------------------------------------------------


def _sections_with_approval(report: AnnualReport) -> list[Section]:
    """Every section of the report, in department order, annotated with the snapshot id of
    its latest approval (None if never approved). One query."""
    latest_approval = SectionEvent.objects.filter(
        section=OuterRef("pk"), action=SectionEvent.Action.APPROVE
    ).order_by("-created_at", "-id")
    return list(
        Section.objects.filter(report=report)
        .select_related("department")
        .annotate(
            approved_snapshot_id=Subquery(latest_approval.values("snapshot_id")[:1]),
            approved_content_version=Subquery(latest_approval.values("content_version")[:1]),
        )
        .order_by("department__display_order", "department__code", "pk")
    )


def approved_snapshots(report: AnnualReport) -> list[tuple[Section, SectionSnapshot]]:
    """The approved sections of a report with the snapshot of their latest approval, in
    department order. Two queries, whatever the number of sections."""
    sections = [
        s
        for s in _sections_with_approval(report)
        if s.state == Section.State.APPROVED and s.approved_snapshot_id
    ]
    snapshots = SectionSnapshot.objects.in_bulk([s.approved_snapshot_id for s in sections])
    return [(s, snapshots[s.approved_snapshot_id]) for s in sections]


def _release_input(report: AnnualReport) -> tuple[list[dict], dict, str]:
    """(contents in order, content_version, input checksum) of the report's approved content.

    Refuses (Conflict) when a section is not approved: a report is published whole or not at all.
    """
    sections = _sections_with_approval(report)
    pending = [
        s for s in sections if s.state != Section.State.APPROVED or not s.approved_snapshot_id
    ]
    if pending:
        names = "、".join(f"{s.department_name}（{s.get_state_display()}）" for s in pending)
        raise Conflict(
            f"承認されていない課別報告があるため構築できません: {names}",
            details={"sections": [s.pk for s in pending]},
        )
    if not sections:
        raise Conflict("承認された課別報告がありません。構築する内容がありません。")
    snapshots = SectionSnapshot.objects.in_bulk([s.approved_snapshot_id for s in sections])
    contents, entries, digest_parts = [], [], []
    for section in sections:
        snapshot = snapshots[section.approved_snapshot_id]
        content = dict(snapshot.content)
        content.setdefault("department", section.department.code)
        content.setdefault("department_name", section.department_name)
        checksum = rendering.sha256(rendering.canonical_json(content))
        contents.append(content)
        entries.append(
            {
                "section": section.pk,
                "department": content["department"],
                "department_name": content["department_name"],
                "section_version": snapshot.section_version,
                # the 第N版 people read: the content version the latest approval acted on
                "content_version": section.approved_content_version,
                "snapshot": snapshot.pk,
                "checksum": checksum,
            }
        )
        digest_parts.append([content["department"], checksum])
    version = {
        "title": report.title,
        "fiscal_year": report.fiscal_year,
        "report_version": report.version,
        "sections": entries,
    }
    checksum = rendering.sha256(
        rendering.canonical_json(
            {
                "renderer": RENDERER_VERSION,
                "fiscal_year": report.fiscal_year,
                "title": report.title,
                "city": settings.CITY_NAME,
                "sections": digest_parts,
            }
        )
    )
    return contents, version, checksum


def current_input_checksum(report: AnnualReport) -> str | None:
    """The checksum a release build of the report's approved content would have, or None."""
    try:
        return _release_input(report)[2]
    except Conflict:
        return None


def _load_contents(build: Build) -> list[dict]:
    """The content a build renders: the snapshots it was created from (release), or the
    sections' current content (preview). A release build reads in a fixed number of queries."""
    if build.kind == Build.Kind.RELEASE:
        entries = build.content_version.get("sections", [])
        snapshots = SectionSnapshot.objects.in_bulk([e["snapshot"] for e in entries])
        contents = []
        for entry in entries:
            content = dict(snapshots[entry["snapshot"]].content)
            content.setdefault("department", entry["department"])
            content.setdefault("department_name", entry["department_name"])
            contents.append(content)
        return contents
    from reports.snapshot import section_content

    if build.section_id:
        sections = [build.section]
    else:
        sections = list(
            Section.objects.filter(report=build.report)
            .select_related("department", "report")
            .order_by("department__display_order", "department__code", "pk")
        )
    if not sections:
        raise Conflict("プレビューする課別報告がありません。")
    return [section_content(section) for section in sections]


# -- files ------------------------------------------------------------------------------


def build_dir(build: Build) -> Path:
    return part_dir(build_id=build.pk, kind=build.kind)


def _write(path: Path, data: bytes) -> None:
    """Write a file atomically (a reader never sees half of it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)  # the web server may run as another user than the worker
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _entry(name: str, data: bytes) -> dict:
    return {
        "sha256": rendering.sha256(data),
        "size": len(data),
        "content_type": CONTENT_TYPES.get(Path(name).suffix, "application/octet-stream"),
    }


def base_url_for(build: Build) -> str:
    if build.kind == Build.Kind.RELEASE:
        return f"/reports/{build.report.fiscal_year}/"
    return reverse("staff-build-files", args=[build.report.fiscal_year, build.pk, ""])


# -- creating and claiming builds ---------------------------------------------------------


def _latest_published_id(report: AnnualReport) -> int | None:
    return (
        Build.objects.filter(report=report, kind=Build.Kind.RELEASE, published_at__isnull=False)
        .order_by("-published_at", "-id")
        .values_list("pk", flat=True)
        .first()
    )


@transaction.atomic
def release_build_for(*, report: AnnualReport, requested_by: User | None = None) -> Build:
    """The release build of the report's current approved content: reused or newly queued.

    A build of the same input is reused unless it is an older, superseded edition (then the
    same content is published again as a new edition).
    """
    # Serialise concurrent requests for one report (a no-op on SQLite, whose writes are
    # serialised anyway).
    AnnualReport.objects.select_for_update().filter(pk=report.pk).first()
    contents, version, checksum = _release_input(report)
    latest = _latest_published_id(report)
    existing = (
        Build.objects.filter(report=report, kind=Build.Kind.RELEASE, input_checksum=checksum)
        .filter(Q(published_at__isnull=True) | Q(pk=latest))
        .order_by("-id")
        .first()
    )
    if existing:
        return existing
    return Build.objects.create(
        report=report,
        kind=Build.Kind.RELEASE,
        status=Build.Status.QUEUED,
        input_checksum=checksum,
        content_version=version,
        requested_by=requested_by,
        progress_total=2 * len(contents) + 1,
    )


def claim(build: Build, *, task_id: str = "") -> bool:
    """Take the build for this run: queued or failed, stale, or our own redelivered task."""
    now = timezone.now()
    claimable = Q(status__in=[Build.Status.QUEUED, Build.Status.FAILED]) | Q(
        status=Build.Status.RUNNING, heartbeat_at__lt=now - stale_after()
    )
    if task_id:
        claimable |= Q(status=Build.Status.RUNNING, task_id=task_id)
    claimed = (
        Build.objects.filter(pk=build.pk, published_at__isnull=True)
        .filter(claimable)
        .update(
            status=Build.Status.RUNNING,
            phase=Build.Phase.HTML,
            attempts=F("attempts") + 1,
            task_id=task_id,
            started_at=now,
            heartbeat_at=now,
            finished_at=None,
            error="",
            progress_done=0,
        )
    )
    if claimed:
        build.refresh_from_db()
    return bool(claimed)


def start_release(
    *,
    report_id: int,
    requested_by_id: int | None = None,
    build_id: int | None = None,
    task_id: str = "",
) -> Build | None:
    """Find or create the build to run and claim it; None when there is nothing to do."""
    report = AnnualReport.objects.filter(pk=report_id).first()
    if report is None:
        logger.warning("assembly: report %s does not exist", report_id)
        return None
    if build_id is not None:
        build = Build.objects.filter(pk=build_id, report=report, kind=Build.Kind.RELEASE).first()
        if build is None:
            logger.warning("assembly: build %s of report %s does not exist", build_id, report_id)
            return None
    else:
        if report.state != AnnualReport.State.APPROVED:
            logger.info(
                "assembly: report %s is %s, not approved; nothing to build", report_id, report.state
            )
            return None
        requested_by = User.objects.filter(pk=requested_by_id).first() if requested_by_id else None
        try:
            build = release_build_for(report=report, requested_by=requested_by)
        except Conflict as exc:
            logger.warning("assembly: report %s cannot be built: %s", report_id, exc.message)
            return None
    if build.status == Build.Status.SUCCEEDED:
        from reports.services.publication import publish_if_current, republish_if_unchanged

        if build.published_at is not None:
            republish_if_unchanged(build)
        else:
            publish_if_current(build)
        return None
    if not claim(build, task_id=task_id):
        logger.info("assembly: build %s is taken by another run (%s)", build.pk, build.status)
        return None
    return build


def start_preview(*, build_id: int, task_id: str = "") -> Build | None:
    build = Build.objects.filter(pk=build_id, kind=Build.Kind.PREVIEW).first()
    if build is None or not claim(build, task_id=task_id):
        return None
    return build


# -- the phases -----------------------------------------------------------------------------


def _alive(build_id: int, attempt: int):
    return Build.objects.filter(pk=build_id, status=Build.Status.RUNNING, attempts=attempt)


def render_static_phase(build: Build) -> list[str]:
    """Phase 1: HTML, CSV, ZIP and PDF sources. Returns the department codes, in order."""
    report = build.report
    contents = _load_contents(build)
    rendered = rendering.render_report(
        fiscal_year=report.fiscal_year,
        title=build.content_version.get("title") or report.title,
        city=settings.CITY_NAME,
        contents=contents,
        draft=build.kind == Build.Kind.PREVIEW,
        base_url=base_url_for(build),
        license_text=getattr(settings, "OPEN_DATA_LICENSE", DEFAULT_LICENSE),
    )
    directory = build_dir(build)
    # The build is not published (claim refuses published builds): its files may be replaced.
    shutil.rmtree(directory, ignore_errors=True)
    manifest = {}
    for name, data in rendered.files.items():
        _write(directory / name, data)
        manifest[name] = _entry(name, data)
    for name, data in rendered.work.items():
        _write(directory / name, data)
    parts = [part.code for part in rendered.parts]
    updated = _alive(build.pk, build.attempts).update(
        manifest=manifest,
        phase=Build.Phase.PDF,
        progress_done=len(parts),
        progress_total=2 * len(parts) + 1,
        heartbeat_at=timezone.now(),
    )
    if not updated:
        raise Conflict("この構築は他の実行に引き継がれました。")
    return parts


def part_dir(*, build_id: int, kind: str) -> Path:
    area = "builds" if kind == Build.Kind.RELEASE else "previews"
    return Path(settings.MEDIA_ROOT) / area / str(build_id)


def render_pdf_part(*, build_id: int, attempt: int, kind: str, code: str) -> dict:
    """Phase 2 (one per department): lay out the department's PDF. Returns pages and anchors.

    Reads no database row: the source is the file phase 1 wrote; the progress update is
    conditioned on the claim, so the work of a run that lost its claim is discarded.
    """
    directory = part_dir(build_id=build_id, kind=kind)
    html = (directory / "_work" / "pdf" / f"{code}.html").read_text(encoding="utf-8")
    result = pdf.render_html(html)
    _write(directory / "_work" / "parts" / f"{code}.pdf", result.pdf)
    alive = _alive(build_id, attempt).update(
        progress_done=F("progress_done") + 1, heartbeat_at=timezone.now()
    )
    if not alive:
        return {"code": code, "skipped": True}
    anchors = {k: v for k, v in result.anchors.items() if k.startswith("item-")}
    return {"code": code, "pages": result.pages, "anchors": anchors}


def finish_build(*, build_id: int, attempt: int, results: list[dict]) -> Build | None:
    """Phase 3: front matter with page numbers, merge, number; succeed and publish atomically."""
    build = Build.objects.select_related("report").filter(pk=build_id).first()
    if build is None or build.status != Build.Status.RUNNING or build.attempts != attempt:
        return None
    if any(r.get("skipped") for r in results):
        return None
    _alive(build_id, attempt).update(phase=Build.Phase.MERGE, heartbeat_at=timezone.now())
    directory = build_dir(build)
    toc = json.loads((directory / "_work" / "toc.json").read_text(encoding="utf-8"))
    by_code = {r["code"]: r for r in results}
    if [part["code"] for part in toc] != [r["code"] for r in results]:
        missing = [p["code"] for p in toc if p["code"] not in by_code]
        raise ApplicationError(f"課別 PDF が揃っていません: {', '.join(missing) or '順序の不一致'}")
    page = 1
    for part in toc:
        result = by_code[part["code"]]
        part["page"] = page
        for entry in part["entries"]:
            entry["page"] = page + result["anchors"].get(entry["anchor"], 0)
        page += result["pages"]
    title = build.content_version.get("title") or build.report.title
    draft = build.kind == Build.Kind.PREVIEW
    front = pdf.render_front(title=title, city=settings.CITY_NAME, toc=toc, draft=draft)
    parts = [
        (part["name"], (directory / "_work" / "parts" / f"{part['code']}.pdf").read_bytes())
        for part in toc
    ]
    merged, page_count = pdf.merge(
        title=f"【案】{title}" if draft else title,
        city=settings.CITY_NAME,
        front=front.pdf,
        parts=parts,
        draft=draft,
    )
    _write(directory / "report.pdf", merged)
    manifest = {**build.manifest, "report.pdf": _entry("report.pdf", merged)}
    return _complete(build, attempt=attempt, manifest=manifest, page_count=page_count)


@transaction.atomic
def _complete(build: Build, *, attempt: int, manifest: dict, page_count: int) -> Build | None:
    now = timezone.now()
    updated = _alive(build.pk, attempt).update(
        status=Build.Status.SUCCEEDED,
        phase=Build.Phase.DONE,
        manifest=manifest,
        page_count=page_count,
        progress_done=F("progress_total"),
        finished_at=now,
        heartbeat_at=now,
        error="",
    )
    if not updated:
        return None
    build.refresh_from_db()
    if build.kind == Build.Kind.RELEASE:
        from reports.services.publication import publish_if_current

        publish_if_current(build)
        build.refresh_from_db()
    directory = build_dir(build)
    transaction.on_commit(lambda: _remove_work_files(directory))
    return build


def _remove_work_files(directory: Path) -> None:
    """Drop the intermediate PDFs and sources; keep toc.json and search.json (small, and
    needed to publish a succeeded build later)."""
    for sub in ("pdf", "parts"):
        shutil.rmtree(directory / "_work" / sub, ignore_errors=True)


def failure_message(exc: BaseException) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    return f"{type(exc).__name__}: {exc}"[:4000]


def mark_failed(*, build_id: int, attempt: int, message: str) -> bool:
    """Record a failure (once per attempt). The build stays unpublished and can be retried."""
    now = timezone.now()
    updated = Build.objects.filter(
        pk=build_id,
        attempts=attempt,
        status__in=[Build.Status.RUNNING, Build.Status.QUEUED],
    ).update(status=Build.Status.FAILED, error=message, finished_at=now, heartbeat_at=now)
    if updated:
        logger.error("assembly: build %s failed: %s", build_id, message)
    return bool(updated)


# -- what staff do ----------------------------------------------------------------------


def _schedule_release(report: AnnualReport, build: Build | None, user: User | None) -> None:
    from reports.tasks.assembly import assemble_report

    kwargs = {"report_id": report.pk, "requested_by_id": user.pk if user else None}
    if build is not None:
        kwargs["build_id"] = build.pk
    transaction.on_commit(lambda: broker.send(assemble_report, **kwargs))


@transaction.atomic
def build_start(*, report: AnnualReport, user: User) -> Build:
    """Build the approved report now (normally the workflow's approval does this)."""
    policy.check(user, "view", report)
    if not policy.can(user, "build", report):
        raise PermissionDenied(
            "構築を開始できるのは企画政策課長（報告書の承認者）または管理者です。"
        )
    if report.state == AnnualReport.State.PREPARING:
        raise Conflict(
            "報告書が承認されていないため、公開用の構築はできません。内容の確認にはプレビューを使ってください。"
        )
    build = release_build_for(report=report, requested_by=user)
    if build.status == Build.Status.SUCCEEDED and build.published_at:
        raise Conflict(
            f"承認済みの内容は構築#{build.pk}（第{build.edition}版）として公開済みです。"
        )
    _schedule_release(report, build, user)
    return build


@transaction.atomic
def build_retry(*, build: Build, user: User) -> Build:
    """Queue a failed build again, or a running one whose worker stopped answering."""
    target = build.section if build.section_id else build.report
    if build.kind == Build.Kind.PREVIEW:
        policy.check(user, "preview", target)
    else:
        policy.check(user, "view", build.report)
        if not policy.can(user, "build", build.report):
            raise PermissionDenied(
                "構築をやり直せるのは企画政策課長（報告書の承認者）または管理者です。"
            )
    cutoff = timezone.now() - stale_after()
    updated = (
        Build.objects.filter(pk=build.pk, published_at__isnull=True)
        .filter(
            Q(status=Build.Status.FAILED) | Q(status=Build.Status.RUNNING, heartbeat_at__lt=cutoff)
        )
        .update(
            status=Build.Status.QUEUED,
            phase=Build.Phase.WAITING,
            task_id="",
            heartbeat_at=timezone.now(),
        )
    )
    if not updated:
        build.refresh_from_db()
        raise Conflict(
            f"この構築はやり直せません（状態: {build.get_status_display()}）。"
            "やり直せるのは失敗した構築と、応答が途絶えた実行中の構築です。"
        )
    build.refresh_from_db()
    if build.kind == Build.Kind.PREVIEW:
        from reports.tasks.assembly import assemble_preview

        build_id = build.pk
        transaction.on_commit(lambda: broker.send(assemble_preview, build_id=build_id))
    else:
        _schedule_release(build.report, build, user)
    return build


@transaction.atomic
def build_preview(*, target: AnnualReport | Section, user: User) -> Build:
    """A reviewer's preview: the same rendering from the current content, marked 案 on every
    page, stored outside the public paths and served only to users who may preview."""
    policy.check(user, "preview", target)
    if isinstance(target, Section):
        report, section = target.report, target
        count = 1
    elif isinstance(target, AnnualReport):
        report, section = target, None
        count = Section.objects.filter(report=report).count()
    else:  # pragma: no cover - type guard
        raise InvalidInput("プレビューできるのは事務報告書か課別報告です。")
    if count == 0:
        raise Conflict("プレビューする課別報告がありません。")
    build = Build.objects.create(
        report=report,
        section=section,
        kind=Build.Kind.PREVIEW,
        status=Build.Status.QUEUED,
        requested_by=user,
        content_version={"title": report.title, "fiscal_year": report.fiscal_year},
        progress_total=2 * count + 1,
    )
    from reports.tasks.assembly import assemble_preview

    build_id = build.pk
    transaction.on_commit(lambda: broker.send(assemble_preview, build_id=build_id))
    return build
