"""Assembly tasks: build the report (HTML, CSV, ZIP, then one PDF per department in parallel,
merged in order) and publish it. Thin: they take ids and call reports.services.assembly.

`assemble_report` is what the workflow's report approval schedules on commit:
    assemble_report.delay(report_id=report.pk, requested_by_id=user.pk)
A duplicated or redelivered task changes nothing (the build is found by its input checksum and
claimed by compare-and-set); with acks_late a task killed with its worker is delivered again.
"""

from __future__ import annotations

import logging

from celery import chord, shared_task

from reports.services import assembly

logger = logging.getLogger(__name__)

__all__ = [
    "assemble_preview",
    "assemble_report",
    "assembly_build_failed",
    "assembly_finish",
    "assembly_pdf_part",
]


def _run(build) -> dict:
    """Phase 1 here, phase 2 as a chord of per-department subtasks, phase 3 as its callback."""
    build_id, attempt = build.pk, build.attempts
    try:
        codes = assembly.render_static_phase(build)
    except Exception as exc:
        logger.exception("assembly: build %s failed while rendering HTML and CSV", build_id)
        assembly.mark_failed(
            build_id=build_id, attempt=attempt, message=assembly.failure_message(exc)
        )
        return {"build": build_id, "status": "failed"}
    header = [
        assembly_pdf_part.si(build_id=build_id, attempt=attempt, kind=build.kind, code=code)
        for code in codes
    ]
    callback = assembly_finish.s(build_id=build_id, attempt=attempt).on_error(
        assembly_build_failed.s(build_id=build_id, attempt=attempt)
    )
    try:
        chord(header)(callback)
    except Exception as exc:
        # Eager mode (no broker): a subtask's error propagates here.
        logger.exception("assembly: build %s failed", build_id)
        assembly.mark_failed(
            build_id=build_id, attempt=attempt, message=assembly.failure_message(exc)
        )
        return {"build": build_id, "status": "failed"}
    return {"build": build_id, "status": "dispatched"}


# The web side queues these and never waits for their results (reports.services.broker): no
# result is stored, so queueing does not touch the result backend (a Redis that is down made
# Celery retry its result channel for ~40 s and raise RuntimeError before publishing).
@shared_task(name="reports.tasks.assemble_report", bind=True, acks_late=True, ignore_result=True)
def assemble_report(
    self, report_id: int, requested_by_id: int | None = None, build_id: int | None = None
) -> dict | None:
    """Assemble the approved report `report_id` and publish it (or retry build `build_id`)."""
    build = assembly.start_release(
        report_id=report_id,
        requested_by_id=requested_by_id,
        build_id=build_id,
        task_id=self.request.id or "",
    )
    if build is None:
        return None
    return _run(build)


@shared_task(name="reports.tasks.assemble_preview", bind=True, acks_late=True, ignore_result=True)
def assemble_preview(self, build_id: int) -> dict | None:
    """Render a reviewer's preview build (案 on every page; never published)."""
    build = assembly.start_preview(build_id=build_id, task_id=self.request.id or "")
    if build is None:
        return None
    return _run(build)


@shared_task(
    name="reports.tasks.assembly_pdf_part",
    acks_late=True,
    soft_time_limit=20 * 60,
    time_limit=25 * 60,
)
def assembly_pdf_part(build_id: int, attempt: int, kind: str, code: str) -> dict:
    """Lay out one department's PDF."""
    try:
        return assembly.render_pdf_part(build_id=build_id, attempt=attempt, kind=kind, code=code)
    except Exception as exc:
        assembly.mark_failed(
            build_id=build_id,
            attempt=attempt,
            message=f"{code} の PDF: {assembly.failure_message(exc)}",
        )
        raise


@shared_task(name="reports.tasks.assembly_finish", acks_late=True, time_limit=30 * 60)
def assembly_finish(results: list[dict], build_id: int, attempt: int) -> dict:
    """Merge the department PDFs in order, number the pages, succeed and publish."""
    try:
        build = assembly.finish_build(build_id=build_id, attempt=attempt, results=results)
    except Exception as exc:
        logger.exception("assembly: build %s failed while merging", build_id)
        assembly.mark_failed(
            build_id=build_id, attempt=attempt, message=assembly.failure_message(exc)
        )
        return {"build": build_id, "status": "failed"}
    if build is None:
        return {"build": build_id, "status": "skipped"}
    return {"build": build_id, "status": build.status, "published": build.is_published}


@shared_task(name="reports.tasks.assembly_build_failed")
def assembly_build_failed(*args, build_id: int, attempt: int) -> None:
    """Errback of the chord: a subtask failed (args: request, exception, traceback)."""
    exc = next((a for a in args if isinstance(a, BaseException)), None)
    message = assembly.failure_message(exc) if exc else "課別 PDF の作成に失敗しました。"
    assembly.mark_failed(build_id=build_id, attempt=attempt, message=message)
