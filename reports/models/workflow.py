"""Workflow records: immutable snapshots of a section's content and the append-only event log.

The workflow services (reports.services.workflow) write these; nothing else does. Events and
snapshots are never updated or deleted (save() refuses an update, delete() refuses).
"""

from django.conf import settings
from django.db import models

from .content import AnnualReport, Section


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses the bulk paths that bypass save() and delete() (the database refuses UPDATE too)."""

    def update(self, **kwargs):
        raise RuntimeError(f"{self.model._meta.verbose_name}は変更できません（追記のみ）。")

    def bulk_update(self, objs, fields, batch_size=None):
        raise RuntimeError(f"{self.model._meta.verbose_name}は変更できません（追記のみ）。")

    def delete(self):
        raise RuntimeError(f"{self.model._meta.verbose_name}は削除できません（追記のみ）。")

    delete.queryset_only = True


class AppendOnly(models.Model):
    """A row that can be created, never changed or deleted."""

    objects = AppendOnlyQuerySet.as_manager()

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
    content_version = models.PositiveIntegerField("内容の版", default=0)
    content = models.JSONField("内容")
    checksum = models.CharField("チェックサム", max_length=64)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)

    class Meta:
        verbose_name = "課別報告のスナップショット"
        verbose_name_plural = "課別報告のスナップショット"
        ordering = ["section", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.section} 第{self.content_version}版"


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
    content_version = models.PositiveIntegerField(
        "内容の版", default=0, help_text="この操作の対象になった内容の版（第N版）"
    )
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
        REOPEN = "reopen", "承認の取消し（課別報告の再開）"
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


class ReviewComment(models.Model):
    """A comment made with a return: general (no place) or pinned to an item, block or cell.

    The text and place never change; the department marks each comment resolved (or not) while
    the section is with them, and the reviewer sees the marks on resubmission.
    """

    section = models.ForeignKey(
        Section, verbose_name="課別報告", on_delete=models.PROTECT, related_name="review_comments"
    )
    event = models.ForeignKey(
        SectionEvent,
        verbose_name="差戻し",
        on_delete=models.PROTECT,
        related_name="review_comments",
    )
    author = models.ForeignKey(
        "reports.User", verbose_name="記入者", on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField("コメント")
    item_uid = models.UUIDField("項目", null=True, blank=True)
    block_uid = models.UUIDField("ブロック", null=True, blank=True)
    table_index = models.PositiveSmallIntegerField("表", null=True, blank=True)
    row = models.PositiveIntegerField("行", null=True, blank=True, help_text="1 から数えます。")
    column = models.CharField("列", max_length=100, blank=True)
    place = models.CharField(
        "場所", max_length=500, blank=True, help_text="差戻し時点の番号・見出し・表のセル。"
    )
    resolved_at = models.DateTimeField("対応済みにした日時", null=True, blank=True)
    resolved_by = models.ForeignKey(
        "reports.User",
        verbose_name="対応済みにした職員",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("日時", auto_now_add=True)

    class Meta:
        verbose_name = "差戻しコメント"
        verbose_name_plural = "差戻しコメント"
        ordering = ["section", "event", "id"]
        indexes = [models.Index(fields=["section", "event"])]

    def __str__(self) -> str:
        return f"{self.place or '全般'}: {self.body[:30]}"

    @property
    def is_general(self) -> bool:
        return self.item_uid is None

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None


class Notification(models.Model):
    """A message to one member of staff, shown in the app and sent by mail (retried until sent)."""

    class Kind(models.TextChoices):
        SUBMIT = "submit", "提出"
        FORWARD = "forward", "課長承認・送付"
        RETURN = "return", "差戻し"
        APPROVE = "approve", "承認"
        REOPEN = "reopen", "再開"
        REPORT_APPROVE = "report_approve", "報告書の承認"
        REMINDER_BEFORE = "reminder_before", "提出期限の事前のお知らせ"
        REMINDER_OVERDUE = "reminder_overdue", "提出期限超過のお知らせ"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="宛先",
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField("種類", max_length=30, choices=Kind.choices)
    section = models.ForeignKey(
        Section,
        verbose_name="課別報告",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    report = models.ForeignKey(
        AnnualReport,
        verbose_name="事務報告書",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    event = models.ForeignKey(
        SectionEvent,
        verbose_name="審査の記録",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notifications",
    )
    subject = models.CharField("件名", max_length=200)
    body = models.TextField("本文")
    url = models.CharField("リンク", max_length=300, blank=True)
    created_at = models.DateTimeField("日時", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("既読日時", null=True, blank=True)
    emailed_at = models.DateTimeField("メール送信日時", null=True, blank=True)
    mail_attempts = models.PositiveSmallIntegerField("メール送信の試行回数", default=0)
    mail_error = models.CharField("メール送信の失敗理由", max_length=500, blank=True)
    mail_failed_at = models.DateTimeField("最後に送信に失敗した日時", null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["emailed_at", "mail_failed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.subject}"


class DeadlineReminder(models.Model):
    """A reminder sent for one section on one day: makes the daily reminder task idempotent."""

    class Kind(models.TextChoices):
        BEFORE = "before", "期限前"
        OVERDUE = "overdue", "期限超過"

    section = models.ForeignKey(
        Section, verbose_name="課別報告", on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField("種類", max_length=20, choices=Kind.choices)
    day = models.DateField("日付")
    created_at = models.DateTimeField("送信日時", auto_now_add=True)

    class Meta:
        verbose_name = "提出期限のお知らせ"
        verbose_name_plural = "提出期限のお知らせ"
        ordering = ["-day", "section"]
        constraints = [
            models.UniqueConstraint(
                fields=["section", "kind", "day"], name="one_reminder_per_section_kind_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.section} {self.get_kind_display()} {self.day}"
