"""Assemble (build and publish) the approved report of a fiscal year from the command line."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from akiruno.celery import app as celery_app
from reports.models import AnnualReport, Build
from reports.services import assembly


class Command(BaseCommand):
    help = (
        "承認済みの事務報告書を構築（HTML・PDF・CSV）し、公開します。"
        "既定ではこのプロセスで実行します（--queue で作業プロセスに任せます）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("fiscal_year", type=int, help="年度（西暦、例: 2024）")
        parser.add_argument(
            "--retry",
            type=int,
            metavar="BUILD_ID",
            help="失敗した構築（または応答の途絶えた構築）をやり直す",
        )
        parser.add_argument(
            "--queue", action="store_true", help="Celery の作業プロセスに任せ、構築番号だけ表示する"
        )

    def handle(self, *args, fiscal_year: int, retry: int | None, queue: bool, **options):
        from reports.tasks.assembly import assemble_report

        report = AnnualReport.objects.filter(fiscal_year=fiscal_year).first()
        if report is None:
            raise CommandError(f"{fiscal_year}年度の事務報告書はありません。")
        kwargs = {"report_id": report.pk}
        if retry is not None:
            build = Build.objects.filter(pk=retry, report=report, kind=Build.Kind.RELEASE).first()
            if build is None:
                raise CommandError(f"{fiscal_year}年度の構築#{retry}はありません。")
            if build.status == Build.Status.RUNNING:
                stale = build.heartbeat_at and build.heartbeat_at < _now() - assembly.stale_after()
                if not stale:
                    raise CommandError(f"構築#{retry}は実行中です。")
            elif build.status != Build.Status.FAILED:
                raise CommandError(
                    f"構築#{retry}はやり直せません（状態: {build.get_status_display()}）。"
                )
            Build.objects.filter(pk=build.pk).update(status=Build.Status.QUEUED, task_id="")
            kwargs["build_id"] = build.pk
        elif report.state != AnnualReport.State.APPROVED:
            raise CommandError(
                f"{report.title}は「{report.get_state_display()}」です。構築できるのは承認済みの報告書です。"
            )
        else:
            try:
                assembly.release_build_for(report=report)
            except assembly.Conflict as exc:
                raise CommandError(exc.message) from None

        if queue:
            assemble_report.delay(**kwargs)
            self.stdout.write(f"{report.title}の構築を作業プロセスに依頼しました。")
            return
        started = time.monotonic()
        saved = celery_app.conf.task_always_eager
        celery_app.conf.task_always_eager = True  # run every subtask here
        try:
            assemble_report.apply(kwargs=kwargs)
        finally:
            celery_app.conf.task_always_eager = saved
        elapsed = time.monotonic() - started
        build = (
            Build.objects.filter(report=report, kind=Build.Kind.RELEASE)
            .order_by("-started_at", "-id")
            .first()
        )
        if build is None or build.status != Build.Status.SUCCEEDED:
            message = build.error if build else "構築されませんでした。"
            raise CommandError(f"構築に失敗しました: {message}")
        pdf = build.manifest.get("report.pdf", {})
        csvs = sum(1 for name in build.manifest if name.endswith(".csv"))
        state = (
            f"第{build.edition}版として公開しました" if build.is_published else "公開していません"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"構築#{build.pk}: {state}。{elapsed:.1f}秒、PDF {build.page_count}頁 "
                f"{pdf.get('size', 0) / 1_000_000:.1f} MB、CSV {csvs}件。"
            )
        )


def _now():
    from django.utils import timezone

    return timezone.now()
