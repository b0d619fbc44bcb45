"""The city's organisation and its people."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


class Department(models.Model):
    """A unit of the city: 部 → 課 → 係. Sections belong to 課-level departments."""

    class Kind(models.TextChoices):
        BU = "bu", "部"
        KA = "ka", "課"
        KAKARI = "kakari", "係"

    code = models.SlugField("コード", max_length=50, unique=True)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("種別", max_length=10, choices=Kind.choices, default=Kind.KA)
    parent = models.ForeignKey(
        "self",
        verbose_name="上位組織",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    display_order = models.PositiveIntegerField("表示順", default=0)
    is_active = models.BooleanField("有効", default=True)
    successor = models.ForeignKey(
        "self",
        verbose_name="統合・改称先",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predecessors",
        help_text="改称・統合された場合の後継組織。過去年度の報告は元の組織のまま残ります。",
    )

    class Meta:
        verbose_name = "組織"
        verbose_name_plural = "組織"
        ordering = ["display_order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_planning_division(self) -> bool:
        return self.code == settings.PLANNING_DEPARTMENT_CODE


class User(AbstractUser):
    """A member of staff. Roles are flags because one person may hold two (課長 and 審査担当)."""

    full_name = models.CharField("氏名", max_length=100, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name="所属",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    is_editor = models.BooleanField("担当者", default=False)
    is_head = models.BooleanField("課長", default=False)
    is_reviewer = models.BooleanField("審査担当（企画政策課）", default=False)

    objects = UserManager()

    class Meta:
        verbose_name = "職員"
        verbose_name_plural = "職員"
        ordering = ["username"]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def is_administrator(self) -> bool:
        return self.is_active and self.is_superuser

    @property
    def role_labels(self) -> list[str]:
        labels = []
        if self.is_superuser:
            labels.append("システム管理者")
        if self.is_head:
            labels.append("課長")
        if self.is_editor:
            labels.append("担当者")
        if self.is_reviewer:
            labels.append("審査担当")
        return labels
