"""Read paths of the review workflow: review page data, the dashboard, the audit log.

Every list here runs a fixed number of queries whatever the number of sections or events.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

import django_filters
from django import forms
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from reports.models import (
    AnnualReport,
    Department,
    ReportEvent,
    ReviewComment,
    Section,
    SectionEvent,
    SectionSnapshot,
    User,
)
from reports.snapshot import section_content

S = Section.State

# Sections the department still holds: the deadline (sending to the planning division) applies.
NOT_FORWARDED = (S.DRAFT, S.RETURNED, S.AWAITING_HEAD)


# -- one section -------------------------------------------------------------------------------


def section_timeline(section: Section) -> list[SectionEvent]:
    """Every event of a section, oldest first, with actors and snapshot checksums."""
    return list(
        SectionEvent.objects.filter(section_id=section.pk)
        .select_related("actor", "snapshot")
        .defer("snapshot__content")
        .order_by("created_at", "id")
    )


def latest_return(section: Section) -> SectionEvent | None:
    """The last event that sent the section back to the department (return or reopen)."""
    return (
        SectionEvent.objects.filter(section_id=section.pk, to_state=S.RETURNED)
        .select_related("actor", "snapshot")
        .order_by("-created_at", "-id")
        .first()
    )


def return_comments(event: SectionEvent | None) -> list[ReviewComment]:
    if event is None:
        return []
    return list(
        ReviewComment.objects.filter(event_id=event.pk)
        .select_related("author", "resolved_by")
        .order_by("id")
    )


def comments_by_place(comments: list[ReviewComment]) -> dict[str, list[ReviewComment]]:
    """Pinned comments keyed by item uid; general ones under ""."""
    out: dict[str, list[ReviewComment]] = defaultdict(list)
    for comment in comments:
        out[str(comment.item_uid) if comment.item_uid else ""].append(comment)
    return dict(out)


def approved_snapshot(section: Section) -> SectionSnapshot | None:
    """The content the planning division approved (or that was imported as approved)."""
    event = (
        SectionEvent.objects.filter(
            section_id=section.pk,
            to_state=S.APPROVED,
            action__in=[SectionEvent.Action.APPROVE, SectionEvent.Action.IMPORT],
        )
        .select_related("snapshot")
        .order_by("-created_at", "-id")
        .first()
    )
    return event.snapshot if event else None


def approved_snapshots(report: AnnualReport) -> dict[int, SectionSnapshot]:
    """Section id → the snapshot its latest approval froze, for every approved section.

    The assembly reads these: what the reviewer approved is what is published. Two queries.
    """
    latest = (
        SectionEvent.objects.filter(
            section=OuterRef("pk"),
            to_state=S.APPROVED,
            action__in=[SectionEvent.Action.APPROVE, SectionEvent.Action.IMPORT],
        )
        .order_by("-created_at", "-id")
        .values("snapshot_id")[:1]
    )
    pairs = dict(
        Section.objects.filter(report_id=report.pk, state=S.APPROVED)
        .annotate(snapshot_pk=Subquery(latest))
        .values_list("pk", "snapshot_pk")
    )
    snapshots = SectionSnapshot.objects.in_bulk([pk for pk in pairs.values() if pk])
    return {sid: snapshots[pk] for sid, pk in pairs.items() if pk in snapshots}


def review_content(section: Section) -> dict:
    """What the review page and the preview show: the approved snapshot once approved (so a
    meeting record edited afterwards does not change it), otherwise the live content."""
    if section.state == S.APPROVED:
        snapshot = approved_snapshot(section)
        if snapshot is not None:
            return snapshot.content
    return section_content(section)


def previous_year_section(section: Section) -> Section | None:
    """The same department's section of the previous fiscal year, if that year is published.

    A renamed or merged department is followed through `successor`: last year's section of a
    predecessor counts.
    """
    department_ids = [section.department_id]
    department_ids += list(
        Department.objects.filter(successor_id=section.department_id).values_list("pk", flat=True)
    )
    return (
        Section.objects.filter(
            report__fiscal_year=section.report.fiscal_year - 1,
            report__state=AnnualReport.State.PUBLISHED,
            department_id__in=department_ids,
        )
        .select_related("report", "department")
        .order_by("department_id")
        .first()
    )


def previous_year_content(section: Section) -> tuple[Section | None, dict | None]:
    previous = previous_year_section(section)
    if previous is None:
        return None, None
    snapshot = approved_snapshot(previous)
    return previous, snapshot.content if snapshot else section_content(previous)


def holder_label(section: Section, heads: list[User] | None = None) -> str:
    """Who holds the section now, in words."""
    if section.state in (S.DRAFT, S.RETURNED):
        return f"{section.department_name}（担当者）"
    if section.state == S.AWAITING_HEAD:
        names = "、".join(str(h) for h in heads or [])
        return f"{section.department_name} 課長" + (f"（{names}）" if names else "")
    if section.state == S.IN_REVIEW:
        return "企画政策課（審査担当）"
    return "―（承認済）"


def heads_by_department(department_ids: list[int]) -> dict[int, list[User]]:
    out: dict[int, list[User]] = defaultdict(list)
    for user in User.objects.filter(
        department_id__in=department_ids, is_head=True, is_active=True
    ).order_by("pk"):
        out[user.department_id].append(user)
    return out


def days_overdue(section: Section, deadline: date | None, today: date) -> int:
    if deadline is None or section.state not in NOT_FORWARDED:
        return 0
    return max((today - deadline).days, 0)


# -- dashboard ---------------------------------------------------------------------------------


class DashboardFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(
        label="状態", choices=S.choices, widget=forms.CheckboxSelectMultiple
    )
    q = django_filters.CharFilter(
        label="課名", field_name="department_name", lookup_expr="icontains"
    )
    overdue = django_filters.BooleanFilter(
        label="期限超過のみ", method="filter_overdue", widget=forms.CheckboxInput
    )

    class Meta:
        model = Section
        fields = ["state", "q", "overdue"]

    def __init__(self, *args, report: AnnualReport, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.report = report

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        if not value:
            return queryset
        report = self.report
        if report.deadline is None or timezone.localdate() <= report.deadline:
            return queryset.none()
        return queryset.filter(state__in=NOT_FORWARDED)


@dataclass
class DashboardRow:
    section: Section
    holder: str
    days_overdue: int
    state_since: datetime | None
    last_actor: str
    returns: int
    open_comments: int


@dataclass
class Dashboard:
    report: AnnualReport
    rows: list[DashboardRow]
    counts: dict[str, int]
    total: int
    overdue: int
    today: date
    filter: DashboardFilter
    states: list[tuple[str, str]] = field(default_factory=lambda: list(S.choices))

    @property
    def count_list(self) -> list[tuple[str, str, int]]:
        return [(value, label, self.counts.get(value, 0)) for value, label in self.states]


def _count_of(qs: QuerySet) -> Coalesce:
    sub = qs.order_by().values("section_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(sub, output_field=IntegerField()), Value(0))


def dashboard(*, report: AnnualReport, params: dict | None = None) -> Dashboard:
    """The planning division's matrix of departments × state for one fiscal year (5 queries)."""
    today = timezone.localdate()
    last_event = SectionEvent.objects.filter(section=OuterRef("pk")).order_by("-created_at", "-id")
    last_return_id = (
        SectionEvent.objects.filter(section=OuterRef(OuterRef("pk")), to_state=S.RETURNED)
        .order_by("-created_at", "-id")
        .values("pk")[:1]
    )
    base = (
        Section.objects.filter(report_id=report.pk)
        .select_related("department")
        .annotate(
            state_since=Subquery(last_event.values("created_at")[:1]),
            last_actor_name=Subquery(last_event.values("actor__full_name")[:1]),
            last_actor_username=Subquery(last_event.values("actor__username")[:1]),
            returns=_count_of(
                SectionEvent.objects.filter(
                    section=OuterRef("pk"), action=SectionEvent.Action.RETURN
                )
            ),
            open_comments=_count_of(
                ReviewComment.objects.filter(
                    section=OuterRef("pk"),
                    event_id=Subquery(last_return_id),
                    resolved_at__isnull=True,
                )
            ),
        )
        .order_by("department__display_order", "department__code")
    )
    flt = DashboardFilter(params or None, queryset=base, report=report)
    sections = list(flt.qs if flt.is_bound and flt.is_valid() else base)
    heads = heads_by_department([s.department_id for s in sections if s.state == S.AWAITING_HEAD])
    rows = [
        DashboardRow(
            section=s,
            holder=holder_label(s, heads.get(s.department_id)),
            days_overdue=days_overdue(s, report.deadline, today),
            state_since=s.state_since,
            last_actor=s.last_actor_name or s.last_actor_username or "",
            returns=s.returns,
            open_comments=s.open_comments,
        )
        for s in sections
    ]
    counts = dict(
        Section.objects.filter(report_id=report.pk)
        .order_by()
        .values_list("state")
        .annotate(n=Count("pk"))
    )
    overdue = 0
    if report.deadline is not None and today > report.deadline:
        overdue = sum(counts.get(state, 0) for state in NOT_FORWARDED)
    return Dashboard(
        report=report,
        rows=rows,
        counts=counts,
        total=sum(counts.values()),
        overdue=overdue,
        today=today,
        filter=flt,
    )


@dataclass
class StateTimeline:
    """How many of the year's sections were in each state at the end of each day with events."""

    dates: list[date]
    states: list[tuple[str, str]]
    counts: dict[str, list[int]]  # state -> one count per date
    deadline: date | None

    @property
    def rows(self) -> list[tuple[date, list[int]]]:
        return [
            (day, [self.counts[value][i] for value, _ in self.states])
            for i, day in enumerate(self.dates)
        ]


def state_timeline(*, report: AnnualReport) -> StateTimeline:
    """Counts per state over time, replayed from the sections' events (2 queries).

    A section is 作成中 until its first event; after each day, it is in the state its last
    event of that day led to.
    """
    section_ids = list(Section.objects.filter(report_id=report.pk).values_list("pk", flat=True))
    events = (
        SectionEvent.objects.filter(section__report_id=report.pk)
        .order_by("created_at", "id")
        .values_list("section_id", "to_state", "created_at")
    )
    current = dict.fromkeys(section_ids, S.DRAFT.value)
    states = list(S.choices)
    counts: dict[str, list[int]] = {value: [] for value, _ in states}
    dates: list[date] = []

    def close_day(day: date) -> None:
        dates.append(day)
        tally = defaultdict(int)
        for state in current.values():
            tally[state] += 1
        for value, _ in states:
            counts[value].append(tally[value])

    day: date | None = None
    for section_id, to_state, created_at in events:
        event_day = timezone.localdate(created_at)
        if day is not None and event_day != day:
            close_day(day)
        day = event_day
        current[section_id] = to_state
    if day is not None:
        close_day(day)
    return StateTimeline(dates=dates, states=states, counts=counts, deadline=report.deadline)


# -- audit log ---------------------------------------------------------------------------------


class AuditFilter(django_filters.FilterSet):
    department = django_filters.ModelChoiceFilter(
        label="課", field_name="section__department", queryset=Department.objects.none()
    )
    actor = django_filters.ModelChoiceFilter(
        label="操作者", field_name="actor", queryset=User.objects.none()
    )
    action = django_filters.ChoiceFilter(
        label="操作", choices=SectionEvent.Action.choices, empty_label="すべての操作"
    )
    date_from = django_filters.DateFilter(
        label="開始日",
        field_name="created_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        label="終了日",
        field_name="created_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = SectionEvent
        fields = ["department", "actor", "action", "date_from", "date_to"]

    def __init__(self, *args, report: AnnualReport, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.filters["department"].queryset = Department.objects.filter(
            sections__report_id=report.pk
        ).order_by("display_order", "code")
        self.filters["actor"].queryset = User.objects.filter(
            Q(pk__in=SectionEvent.objects.filter(section__report_id=report.pk).values("actor_id"))
        ).order_by("username")
        self.filters["department"].field.empty_label = "すべての課"
        self.filters["actor"].field.empty_label = "すべての職員"


def audit_events(
    *, report: AnnualReport, params: dict | None = None
) -> tuple[QuerySet, AuditFilter]:
    """The events of a fiscal year, newest first, filtered; lazy, for paging or export."""
    base = (
        SectionEvent.objects.filter(section__report_id=report.pk)
        .select_related("section__department", "actor", "snapshot")
        .defer("snapshot__content")
        .order_by("-created_at", "-id")
    )
    flt = AuditFilter(params or None, queryset=base, report=report)
    qs = flt.qs if flt.is_bound and flt.is_valid() else base
    return qs, flt


def report_events(report: AnnualReport) -> list[ReportEvent]:
    return list(
        ReportEvent.objects.filter(report_id=report.pk)
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class QueueEntry:
    """One section waiting for the planning division's review."""

    section: Section
    waiting_since: datetime | None
    round: int  # 1 for a first submission, 2 after one return, …
    days_waiting: int
    overdue: bool  # forwarded after the report's deadline


def review_queue(*, reports: list[AnnualReport]) -> list[QueueEntry]:
    """Sections in 企画政策課審査中 for the given reports, oldest first (one query).

    "Waiting since" is the forwarding that put the section in review; the round counts the
    returns before it, so a reviewer sees at once which sections come back for a second look.
    """
    if not reports:
        return []
    forwarded = SectionEvent.objects.filter(section=OuterRef("pk"), to_state=S.IN_REVIEW).order_by(
        "-created_at", "-id"
    )
    sections = (
        Section.objects.filter(report__in=reports, state=S.IN_REVIEW)
        .select_related("report", "department")
        .annotate(
            waiting_since=Subquery(forwarded.values("created_at")[:1]),
            returns=_count_of(
                SectionEvent.objects.filter(
                    section=OuterRef("pk"), action=SectionEvent.Action.RETURN
                )
            ),
        )
        .order_by(
            Coalesce("waiting_since", "updated_at").asc(),
            "department__display_order",
            "department__code",
        )
    )
    now = timezone.now()
    entries = []
    for s in sections:
        since = s.waiting_since
        deadline = s.report.deadline
        entries.append(
            QueueEntry(
                section=s,
                waiting_since=since,
                round=s.returns + 1,
                days_waiting=(now - since).days if since else 0,
                overdue=bool(since and deadline and timezone.localtime(since).date() > deadline),
            )
        )
    return entries
