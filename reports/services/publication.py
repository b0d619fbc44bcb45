"""Publication: a succeeded build of an approved report becomes what the public sees.

Publishing is one transaction: the build gets its edition number and publication time, the
report becomes 公開中, a ReportEvent is written and the search index of the fiscal year is
replaced. A published build is immutable; a correction is a new build that supersedes it (the
public sees the latest edition and the list of earlier ones).

This module also registers the permission rules for builds with the one policy.
"""

from __future__ import annotations

import json
import logging

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from reports import public_files
from reports.models import AnnualReport, Build, ReportEvent
from reports.permissions import Actor, is_admin, is_reviewer, is_staff_user, policy

logger = logging.getLogger(__name__)


@transaction.atomic
def republish_if_unchanged(build: Build) -> bool:
    """The report was re-approved with exactly the content of its public edition (a reopen
    that changed nothing): the edition stays, and the report is published again. No new
    edition is made, because nothing the public reads has changed."""
    from reports.services import assembly

    report = AnnualReport.objects.select_for_update().get(pk=build.report_id)
    build = Build.objects.get(pk=build.pk)
    latest = (
        Build.objects.filter(report=report, published_at__isnull=False)
        .order_by("-published_at", "-id")
        .first()
    )
    if (
        report.state != AnnualReport.State.APPROVED
        or latest is None
        or latest.pk != build.pk
        or assembly.current_input_checksum(report) != build.input_checksum
    ):
        return False
    AnnualReport.objects.filter(pk=report.pk, state=AnnualReport.State.APPROVED).update(
        state=AnnualReport.State.PUBLISHED
    )
    ReportEvent.objects.create(
        report=report,
        action=ReportEvent.Action.PUBLISH,
        actor=build.requested_by,
        comment=f"内容に変更がないため、公開中の第{build.edition}版を引き続き公開します。",
    )
    public_files.write_pointer_on_commit(build.pk)
    return True


@transaction.atomic
def publish_if_current(build: Build) -> bool:
    """Publish `build` if it succeeded, its report is approved and the report's approved
    content is still exactly what the build was made from. Idempotent: False if not done."""
    from reports.services import assembly, search

    report = AnnualReport.objects.select_for_update().get(pk=build.report_id)
    build = Build.objects.get(pk=build.pk)
    if (
        build.kind != Build.Kind.RELEASE
        or build.status != Build.Status.SUCCEEDED
        or build.published_at is not None
        or report.state != AnnualReport.State.APPROVED
    ):
        return False
    if assembly.current_input_checksum(report) != build.input_checksum:
        logger.info("publication: build %s is not of the current approved content", build.pk)
        return False
    edition = (
        Build.objects.filter(report=report, edition__isnull=False).aggregate(n=Max("edition"))["n"]
        or 0
    ) + 1
    now = timezone.now()
    Build.objects.filter(pk=build.pk, published_at__isnull=True).update(
        published_at=now, edition=edition
    )
    AnnualReport.objects.filter(pk=report.pk, state=AnnualReport.State.APPROVED).update(
        state=AnnualReport.State.PUBLISHED
    )
    ReportEvent.objects.create(
        report=report,
        action=ReportEvent.Action.PUBLISH,
        actor=build.requested_by,
        comment=f"第{edition}版を公開しました（構築#{build.pk}）。",
    )
    public_files.write_pointer_on_commit(build.pk)
    search_file = assembly.build_dir(build) / "_work" / "search.json"
    search.index_build(
        build=build,
        parts=json.loads(search_file.read_text(encoding="utf-8")),
        title=build.content_version.get("title") or report.title,
    )
    return True


def changed_departments(build: Build, previous: Build | None) -> list[str]:
    """Names of the departments whose content differs from the previous edition."""
    if previous is None:
        return []
    before = {e["department"]: e["checksum"] for e in previous.content_version.get("sections", [])}
    changed = []
    for entry in build.content_version.get("sections", []):
        if before.get(entry["department"]) != entry["checksum"]:
            changed.append(entry["department_name"])
    after = {e["department"] for e in build.content_version.get("sections", [])}
    changed.extend(
        e["department_name"]
        for e in previous.content_version.get("sections", [])
        if e["department"] not in after
    )
    return changed


# -- permission rules for builds ---------------------------------------------------------


def _can_build(user: Actor, action: str, build: Build) -> bool:
    if action in {"view", "download"}:
        if build.published_at is not None:
            return True
        target = build.section if build.section_id else build.report
        return policy.can(user, "preview", target)
    if action == "retry":
        if build.kind == Build.Kind.PREVIEW:
            return policy.can(user, "preview", build.section if build.section_id else build.report)
        return policy.can(user, "build", build.report)
    return False


def _visible_builds(user: Actor, qs: QuerySet) -> QuerySet:
    if is_admin(user) or is_reviewer(user):
        return qs
    if is_staff_user(user) and user.department_id:
        from django.db.models import Q

        return qs.filter(
            Q(published_at__isnull=False)
            | Q(kind=Build.Kind.PREVIEW, section__department_id=user.department_id)
        )
    return qs.filter(published_at__isnull=False)


policy.register(Build, can=_can_build, visible=_visible_builds)
