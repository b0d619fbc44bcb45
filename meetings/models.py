"""Meetings as records: bodies (会議体), their sessions and agendas, and counts kept by hand.

A body spans fiscal years; a session belongs to the fiscal year of its start date, which is
stored (`fiscal_year`) so that lists, counts and reference blocks filter on an index. Counts
such as "協議会 ２回（うちオンライン１回）" are never stored: they are computed from the
sessions, except where the city knows only a count (ManualCount, labelled as such).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from akiruno.models import VersionedRecord
from reports.models import Department


class MeetingBody(VersionedRecord):
    """A council, committee or other meeting body the city runs, belongs to or attends."""

    class Kind(models.TextChoices):
        KYOGIKAI = "協議会", "協議会"
        SHINGIKAI = "審議会", "審議会"
        IINKAI = "委員会", "委員会"
        KAIGI = "会議", "会議"
        KENKYUKAI = "研究会", "研究会"
        BUKAI = "部会", "部会"
        HONBU = "本部", "本部"
        OTHER = "その他", "その他"

    class Role(models.TextChoices):
        ORGANISER = "organiser", "主催"
        MEMBER = "member", "構成団体"
        ATTENDEE = "attendee", "参加"
        AFFILIATE = "affiliate", "加盟"

    class Numbering(models.TextChoices):
        YEARLY = "yearly", "年度ごとに第１回から"
        CONTINUOUS = "continuous", "年度をまたいで通し番号"

    key = models.SlugField(
        "キー",
        max_length=80,
        unique=True,
        help_text="報告のブロックや取込みで会議体を指す識別子（半角英数字とハイフン）。登録後は変更できません。",
    )
    name = models.CharField("名称", max_length=200)
    kind = models.CharField("種類", max_length=20, choices=Kind.choices, default=Kind.KYOGIKAI)
    department = models.ForeignKey(
        Department, verbose_name="担当課", on_delete=models.PROTECT, related_name="meeting_bodies"
    )
    role = models.CharField("市の関わり", max_length=20, choices=Role.choices, default=Role.MEMBER)
    purpose = models.TextField(
        "目的", blank=True, help_text="報告書に「」で引用する文言を、そのとおりに入力します。"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="上位の会議体",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    numbering = models.CharField(
        "回の番号",
        max_length=20,
        choices=Numbering.choices,
        default=Numbering.YEARLY,
        help_text="通し番号（第38回など）の会議体では、別の年度と同じ番号も重複として扱います。",
    )
    active_from = models.PositiveSmallIntegerField("活動開始年度", null=True, blank=True)
    active_to = models.PositiveSmallIntegerField("活動終了年度", null=True, blank=True)

    class Meta:
        verbose_name = "会議体"
        verbose_name_plural = "会議体"
        ordering = ["department__display_order", "department__code", "name", "key"]
        indexes = [models.Index(fields=["department", "name"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(active_from__isnull=True)
                | Q(active_to__isnull=True)
                | Q(active_to__gte=models.F("active_from")),
                name="meeting_body_active_years_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def is_active_in(self, fiscal_year: int) -> bool:
        return (self.active_from is None or self.active_from <= fiscal_year) and (
            self.active_to is None or fiscal_year <= self.active_to
        )


class MeetingSession(VersionedRecord):
    """One session of a body: 第n回, a date or a date range, its format, venue and agenda."""

    class Format(models.TextChoices):
        IN_PERSON = "in_person", "対面"
        WRITTEN = "written", "書面開催"
        ONLINE = "online", "オンライン開催"
        HYBRID = "hybrid", "ハイブリッド開催"

    body = models.ForeignKey(
        MeetingBody, verbose_name="会議体", on_delete=models.CASCADE, related_name="sessions"
    )
    fiscal_year = models.PositiveSmallIntegerField(
        "年度", editable=False, help_text="開始日の年度（自動）。"
    )
    category = models.CharField(
        "区分",
        max_length=100,
        help_text="会議体の中の会議の種類（協議会、幹事会・事務局会議、総会など）。",
    )
    sequence = models.PositiveIntegerField("回", null=True, blank=True)
    start = models.DateField("開催日")
    end = models.DateField("終了日", null=True, blank=True)
    format = models.CharField(
        "開催形式", max_length=20, choices=Format.choices, default=Format.IN_PERSON
    )
    venue = models.CharField("開催会場", max_length=200, blank=True)
    attendance = models.PositiveIntegerField("出席者数", null=True, blank=True)
    note = models.CharField("備考", max_length=500, blank=True)

    class Meta:
        verbose_name = "会議"
        verbose_name_plural = "会議"
        ordering = ["start", "sequence", "id"]
        indexes = [
            models.Index(fields=["fiscal_year", "start"]),
            models.Index(fields=["body", "fiscal_year", "category"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "category", "fiscal_year", "sequence"],
                condition=Q(sequence__isnull=False),
                name="meeting_session_sequence_unique_in_year",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="meeting_session_end_not_before_start",
            ),
        ]

    def __str__(self) -> str:
        number = f"第{self.sequence}回" if self.sequence else ""
        return f"{self.body.name} {self.category}{number} {self.start.isoformat()}"


class AgendaItem(models.Model):
    """One line of a session's agenda (議題 / 内容), optionally marked 諮問 or 報告.

    `text` may hold continuation lines (①…, ②…) after the first; they print without a bullet.
    """

    class Marker(models.TextChoices):
        SHIMON = "諮問", "諮問"
        HOKOKU = "報告", "報告"

    session = models.ForeignKey(
        MeetingSession,
        verbose_name="会議",
        on_delete=models.CASCADE,
        related_name="agenda_items",
    )
    position = models.PositiveIntegerField("順序", default=0)
    text = models.TextField("内容")
    marker = models.CharField("区分", max_length=10, choices=Marker.choices, blank=True)

    class Meta:
        verbose_name = "議題"
        verbose_name_plural = "議題"
        ordering = ["session", "position", "id"]

    def __str__(self) -> str:
        return self.text


class ManualCount(VersionedRecord):
    """A count of sessions kept by hand where the city has no session details.

    It replaces the count computed from sessions for its body, category and fiscal year, and
    the staff pages label it 手入力. `note` says why (internal, not printed).
    """

    body = models.ForeignKey(
        MeetingBody, verbose_name="会議体", on_delete=models.CASCADE, related_name="manual_counts"
    )
    fiscal_year = models.PositiveSmallIntegerField("年度")
    category = models.CharField("区分", max_length=100)
    count = models.PositiveIntegerField("回数")
    online = models.PositiveIntegerField("うちオンライン開催", default=0)
    written = models.PositiveIntegerField("うち書面開催", default=0)
    hybrid = models.PositiveIntegerField("うちハイブリッド開催", default=0)
    note = models.CharField("手入力の理由", max_length=500)

    class Meta:
        verbose_name = "手入力の開催回数"
        verbose_name_plural = "手入力の開催回数"
        ordering = ["body", "fiscal_year", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "fiscal_year", "category"], name="manual_count_unique"
            ),
            models.CheckConstraint(
                condition=Q(
                    count__gte=models.F("online") + models.F("written") + models.F("hybrid")
                ),
                name="manual_count_formats_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.body.name} {self.category} {self.count}回（手入力）"

    @property
    def by_format(self) -> dict[str, int]:
        return {"online": self.online, "written": self.written, "hybrid": self.hybrid}
