"""Workflow records: immutable snapshots of a section's content and the append-only event log.

The workflow services (reports.services.workflow) write these; nothing else does. Events and
snapshots are never updated or deleted (save() refuses an update, delete() refuses).
"""

from django.db import models

from .content import AnnualReport, Section


class AppendOnly(models.Model):
    """A row that can be created, never changed or deleted."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise RuntimeError(f"{self._meta.verbose_name}は変更できません（追記のみ）。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError(f"{self._meta.verbose_name}は削除できません（追記のみ）。")


class SectionSnapshot(AppendOnly):
    """The whole content of a section at one moment, as reports.snapshot.section_content JSON."""

    section = models.ForeignKey(
        Section, verbose_name="課別報告", on_delete=models.PROTECT, related_name="snapshots"
    )
    section_version = models.PositiveIntegerField("課別報告の版")
    content = models.JSONField("内容")
    checksum = models.CharField("チェックサム", max_length=64)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)

    class Meta:
        verbose_name = "課別報告のスナップショット"
        verbose_name_plural = "課別報告のスナップショット"
        ordering = ["section", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.section} 第{self.section_version}版"


class SectionEvent(AppendOnly):
    """One workflow transition of a section: who, when, from, to, comment, and what was acted on."""

    class Action(models.TextChoices):
        SUBMIT = "submit", "提出"
        FORWARD = "forward", "課長承認・送付"
        RETURN = "return", "差戻し"
        APPROVE = "approve", "承認"
        REOPEN = "reopen", "再開"
        IMPORT = "import", "取込み"

    section = models.ForeignKey(
        Section, verbose_name="課別報告", on_delete=models.PROTECT, related_name="events"
    )
    action = models.CharField("操作", max_length=20, choices=Action.choices)
    from_state = models.CharField("変更前", max_length=20, choices=Section.State.choices)
    to_state = models.CharField("変更後", max_length=20, choices=Section.State.choices)
    actor = models.ForeignKey(
        "reports.User", verbose_name="操作者", on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField("コメント", blank=True)
    snapshot = models.ForeignKey(
        SectionSnapshot, verbose_name="対象の内容", on_delete=models.PROTECT, related_name="events"
    )
    section_version = models.PositiveIntegerField("課別報告の版")
    created_at = models.DateTimeField("日時", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "審査の記録"
        verbose_name_plural = "審査の記録"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["section", "action", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.section} {self.get_action_display()}"


class ReportEvent(AppendOnly):
    """A transition of the report as a whole (approval, publication, supersession)."""

    class Action(models.TextChoices):
        APPROVE = "approve", "報告書の承認"
        PUBLISH = "publish", "公開"

    report = models.ForeignKey(
        AnnualReport, verbose_name="事務報告書", on_delete=models.PROTECT, related_name="events"
    )
    action = models.CharField("操作", max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        "reports.User", verbose_name="操作者", null=True, on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField("コメント", blank=True)
    created_at = models.DateTimeField("日時", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "報告書の記録"
        verbose_name_plural = "報告書の記録"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.report} {self.get_action_display()}"
