"""The report's content: a report per fiscal year, a section per department, items and blocks.

Numbering and totals are never stored: they are derived when rendering (reports.tree).
"""

import uuid

from django.db import models

from akiruno.models import VersionedRecord

from .org import Department

MAX_DEPTH = 6


class AnnualReport(models.Model):
    """The annual administrative report (事務報告書) of one fiscal year."""

    class State(models.TextChoices):
        PREPARING = "preparing", "作成中"
        APPROVED = "approved", "承認済"
        PUBLISHED = "published", "公開中"

    fiscal_year = models.PositiveSmallIntegerField("年度", unique=True)
    title = models.CharField("表題", max_length=200)
    deadline = models.DateField("提出期限", null=True, blank=True)
    state = models.CharField(
        "状態", max_length=20, choices=State.choices, default=State.PREPARING, editable=False
    )
    version = models.PositiveIntegerField("版", default=1, editable=False)
    approved_at = models.DateTimeField("承認日時", null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        "reports.User",
        verbose_name="承認者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField("作成日時", auto_now_add=True)

    class Meta:
        verbose_name = "事務報告書（年度）"
        verbose_name_plural = "事務報告書（年度）"
        ordering = ["-fiscal_year"]

    def __str__(self) -> str:
        return self.title


class Section(VersionedRecord):
    """One department's part of one fiscal year's report.

    `state` changes only through the workflow services (reports.services.workflow), which
    compare-and-set it together with `version`; `save()` refuses a changed state.
    `version` rises with every change to the section's content or state: it is the
    optimistic-concurrency token (hidden form field, API ETag/If-Match), never shown as 第N版.
    `content_version` is the version people read (第N版): 0 until the first content is saved,
    then raised by one each time a save changes the content (reports.services.content._record),
    never by a workflow transition. Revisions, events, snapshots and builds record it.
    """

    class State(models.TextChoices):
        DRAFT = "draft", "作成中"
        AWAITING_HEAD = "awaiting_head", "課長確認待ち"
        IN_REVIEW = "in_review", "企画政策課審査中"
        RETURNED = "returned", "差戻し"
        APPROVED = "approved", "承認済"

    EDITABLE_STATES = (State.DRAFT, State.RETURNED)

    report = models.ForeignKey(
        AnnualReport, verbose_name="事務報告書", on_delete=models.CASCADE, related_name="sections"
    )
    department = models.ForeignKey(
        Department, verbose_name="課", on_delete=models.PROTECT, related_name="sections"
    )
    department_name = models.CharField(
        "課名（当時）", max_length=100, help_text="組織が改称されても当該年度の名称を保持します。"
    )
    state = models.CharField(
        "状態", max_length=20, choices=State.choices, default=State.DRAFT, editable=False
    )
    content_version = models.PositiveIntegerField(
        "内容の版",
        default=0,
        editable=False,
        help_text="内容を変更して保存するたびに1ずつ増えます（状態の変更では増えません）。",
    )

    class Meta:
        verbose_name = "課別報告"
        verbose_name_plural = "課別報告"
        ordering = ["report", "department__display_order", "department__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "department"], name="one_section_per_department"
            )
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._loaded_state = self.state if self.pk else None

    def __str__(self) -> str:
        return f"{self.report.title} {self.department_name}"

    def save(self, *args, **kwargs) -> None:
        if self.pk and self._loaded_state is not None and self.state != self._loaded_state:
            raise RuntimeError(
                "課別報告の状態はワークフローのサービス（reports.services.workflow）経由でのみ変更できます。"
            )
        if not self.department_name:
            self.department_name = self.department.name
        super().save(*args, **kwargs)
        self._loaded_state = self.state

    def refresh_from_db(self, *args, **kwargs) -> None:
        super().refresh_from_db(*args, **kwargs)
        self._loaded_state = self.state

    @property
    def is_editable(self) -> bool:
        return self.state in self.EDITABLE_STATES

    @property
    def fiscal_year(self) -> int:
        return self.report.fiscal_year


class Item(models.Model):
    """A numbered heading in a section's tree. Its number derives from depth and position."""

    section = models.ForeignKey(
        Section, verbose_name="課別報告", on_delete=models.CASCADE, related_name="items"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="親項目",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    position = models.PositiveIntegerField("順序", default=0)
    heading = models.CharField("見出し", max_length=500, blank=True)
    uid = models.UUIDField("識別子", default=uuid.uuid4, editable=False)
    version = models.PositiveIntegerField("版", default=1, editable=False)
    updated_at = models.DateTimeField("更新日時", null=True, blank=True, editable=False)
    updated_by = models.ForeignKey(
        "reports.User",
        verbose_name="更新者",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = "項目"
        verbose_name_plural = "項目"
        ordering = ["section", "parent_id", "position", "id"]
        indexes = [models.Index(fields=["section", "parent", "position"])]

    def __str__(self) -> str:
        return self.heading


class Block(models.Model):
    """A typed content block inside an item. `kind` names an entry of reports.blocks.registry."""

    item = models.ForeignKey(
        Item, verbose_name="項目", on_delete=models.CASCADE, related_name="blocks"
    )
    position = models.PositiveIntegerField("順序", default=0)
    kind = models.CharField("種類", max_length=40)
    data = models.JSONField("内容", default=dict)
    uid = models.UUIDField("識別子", default=uuid.uuid4, editable=False)
    version = models.PositiveIntegerField("版", default=1, editable=False)
    updated_at = models.DateTimeField("更新日時", null=True, blank=True, editable=False)
    updated_by = models.ForeignKey(
        "reports.User",
        verbose_name="更新者",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = "ブロック"
        verbose_name_plural = "ブロック"
        ordering = ["item", "position", "id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"
