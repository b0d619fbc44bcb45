"""The audit entry of every import (and restore): who, when, what file, what it changed, and the
state before it in the project's own export format, so that `import_report --restore` can put
that state back."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportRecord(models.Model):
    class Kind(models.TextChoices):
        IMPORT = "import", "取込み"
        RESTORE = "restore", "復元"

    kind = models.CharField("種類", max_length=20, choices=Kind.choices, default=Kind.IMPORT)
    fiscal_year = models.PositiveIntegerField("年度")
    department = models.CharField("課コード（絞り込み）", max_length=50, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作者",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("日時", auto_now_add=True)
    source = models.CharField("経路", max_length=20, blank=True)
    filename = models.CharField("ファイル名", max_length=255, blank=True)
    checksum = models.CharField("ファイルの SHA-256", max_length=64)
    options = models.JSONField("指定", default=dict)
    summary = models.JSONField("件数", default=dict)
    changes = models.JSONField("変更の一覧", default=list)
    before = models.JSONField(
        "取込み前の書き出し", null=True, blank=True, help_text="年度がなかった場合は空"
    )
    restored_from = models.ForeignKey(
        "self",
        verbose_name="復元した取込み",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="restores",
    )

    class Meta:
        verbose_name = "取込みの記録"
        verbose_name_plural = "取込みの記録"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}（{self.fiscal_year}年度）"
