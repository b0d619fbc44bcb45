"""Builds: one assembly of a report into HTML, PDF and open data, and the public search index.

A build's files live under MEDIA_ROOT/builds/<id>/ (previews under MEDIA_ROOT/previews/<id>/)
and are listed with their checksums in `manifest`. A published build is immutable: its row
refuses changes (save, delete and QuerySet.delete here; a trigger refuses UPDATE and, on
PostgreSQL, DELETE in the database: migration 0008), and its files are never rewritten (the
public site refuses a file whose checksum no longer matches, reports.public_files). The public sees the latest published build
of each fiscal year; earlier published builds are the report's editions (正誤の履歴).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from .content import AnnualReport, Section

PUBLISHED_DELETE_REFUSED = "公開済みの構築は削除できません。"


class BuildQuerySet(models.QuerySet):
    def delete(self):
        """Refused if any of the builds is published (as Build.delete is)."""
        if self.filter(published_at__isnull=False).exists():
            raise RuntimeError(PUBLISHED_DELETE_REFUSED)
        return super().delete()


class Build(models.Model):
    """One assembly of a report (or a reviewer's preview of a report or a section)."""

    class Kind(models.TextChoices):
        RELEASE = "release", "公開用"
        PREVIEW = "preview", "プレビュー（案）"

    class Status(models.TextChoices):
        QUEUED = "queued", "待機中"
        RUNNING = "running", "実行中"
        SUCCEEDED = "succeeded", "完了"
        FAILED = "failed", "失敗"

    class Phase(models.TextChoices):
        WAITING = "", "—"
        HTML = "html", "HTML・CSV の作成"
        PDF = "pdf", "課別 PDF の作成"
        MERGE = "merge", "PDF の結合・頁番号"
        DONE = "done", "終了"

    report = models.ForeignKey(
        AnnualReport, verbose_name="事務報告書", on_delete=models.PROTECT, related_name="builds"
    )
    section = models.ForeignKey(
        Section,
        verbose_name="課別報告（プレビューの対象）",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="preview_builds",
    )
    kind = models.CharField("種類", max_length=10, choices=Kind.choices, default=Kind.RELEASE)
    status = models.CharField("状態", max_length=10, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField("工程", max_length=10, choices=Phase.choices, blank=True)
    input_checksum = models.CharField("入力のチェックサム", max_length=64, blank=True)
    content_version = models.JSONField(
        "入力の版",
        default=dict,
        blank=True,
        help_text="構築に使った課別報告のスナップショット（課、版、スナップショットID）。",
    )
    progress_done = models.PositiveIntegerField("完了した工程数", default=0)
    progress_total = models.PositiveIntegerField("工程数", default=0)
    manifest = models.JSONField(
        "出力ファイル",
        default=dict,
        blank=True,
        help_text="ファイル名 → {sha256, size, content_type}。",
    )
    page_count = models.PositiveIntegerField("PDF の頁数", null=True, blank=True)
    error = models.TextField("エラー", blank=True)
    attempts = models.PositiveIntegerField("実行回数", default=0)
    task_id = models.CharField("タスクID", max_length=255, blank=True)
    requested_by = models.ForeignKey(
        "reports.User",
        verbose_name="依頼者",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    started_at = models.DateTimeField("開始日時", null=True, blank=True)
    heartbeat_at = models.DateTimeField("最終応答日時", null=True, blank=True)
    finished_at = models.DateTimeField("終了日時", null=True, blank=True)
    published_at = models.DateTimeField("公開日時", null=True, blank=True)
    edition = models.PositiveIntegerField("版（公開の順）", null=True, blank=True)

    objects = BuildQuerySet.as_manager()

    class Meta:
        verbose_name = "構築"
        verbose_name_plural = "構築"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "edition"],
                condition=Q(edition__isnull=False),
                name="one_build_per_edition",
            ),
            models.CheckConstraint(
                condition=Q(published_at__isnull=True) | Q(status="succeeded", kind="release"),
                name="only_succeeded_release_builds_are_published",
            ),
        ]
        indexes = [
            models.Index(fields=["report", "kind", "-published_at"]),
            models.Index(fields=["report", "kind", "input_checksum"]),
        ]

    def __str__(self) -> str:
        return f"{self.report} 構築#{self.pk}（{self.get_status_display()}）"

    def save(self, *args, **kwargs) -> None:
        if self.pk and Build.objects.filter(pk=self.pk, published_at__isnull=False).exists():
            raise RuntimeError("公開済みの構築は変更できません。訂正は新しい構築で行います。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.published_at is not None:
            raise RuntimeError(PUBLISHED_DELETE_REFUSED)
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 100 if self.status == self.Status.SUCCEEDED else 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class SearchEntry(models.Model):
    """One item of the latest published build of a fiscal year, as searchable text.

    Rows are replaced for the whole fiscal year when a build is published. `normalized` is the
    text folded (NFKC, case) character by character so that a match maps back to `text`.
    On SQLite an FTS5 trigram index shadows this table; on PostgreSQL a pg_trgm GIN index.
    """

    build = models.ForeignKey(
        Build, verbose_name="構築", on_delete=models.CASCADE, related_name="search_entries"
    )
    fiscal_year = models.PositiveSmallIntegerField("年度", db_index=True)
    report_title = models.CharField("表題", max_length=200)
    department_code = models.CharField("課コード", max_length=50)
    department_name = models.CharField("課名", max_length=100)
    position = models.PositiveIntegerField("順序")
    anchor = models.CharField("アンカー", max_length=100)
    number = models.CharField("番号", max_length=100)
    heading = models.CharField("見出し", max_length=500)
    text = models.TextField("本文")
    normalized = models.TextField("検索用の本文")

    class Meta:
        verbose_name = "検索索引"
        verbose_name_plural = "検索索引"
        ordering = ["-fiscal_year", "position"]

    def __str__(self) -> str:
        return f"{self.fiscal_year} {self.department_name} {self.number}{self.heading}"
