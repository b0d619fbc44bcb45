"""Content history: one revision per saved change to a section's content."""

from django.db import models

from .content import Section


class SectionRevision(models.Model):
    """A recorded change: who changed what, when, and the whole content afterwards.

    `content` is reports.snapshot.section_content JSON without resolved references, so a
    restore writes back exactly what the editor saw. Revisions are never edited or deleted.
    """

    section = models.ForeignKey(
        Section, verbose_name="課別報告", on_delete=models.CASCADE, related_name="revisions"
    )
    section_version = models.PositiveIntegerField("課別報告の版")
    content_version = models.PositiveIntegerField(
        "内容の版",
        default=0,
        help_text="保存後の内容の版（第N版）。内容が変わらない保存では前と同じ。",
    )
    user = models.ForeignKey(
        "reports.User",
        verbose_name="変更者",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    summary = models.CharField("変更内容", max_length=300)
    content = models.JSONField("変更後の内容")
    created_at = models.DateTimeField("日時", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "変更履歴"
        verbose_name_plural = "変更履歴"
        ordering = ["section", "-section_version", "-id"]
        indexes = [models.Index(fields=["section", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.section} 第{self.content_version}版 {self.summary}"
