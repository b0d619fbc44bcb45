"""Read paths for meetings. Every function here runs a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from akiruno.fiscal import fiscal_year_of
from meetings.models import AgendaItem, ManualCount, MeetingBody, MeetingSession
from reports.models import AnnualReport, User
from reports.permissions import policy


@dataclass
class CountResult:
    """The count of one category of a body in a fiscal year, and where it comes from."""

    total: int = 0
    by_format: dict[str, int] = field(
        default_factory=lambda: {"online": 0, "written": 0, "hybrid": 0}
    )
    source: str = "sessions"  # "sessions" | "manual" | "mixed" (categories combined)
    recorded: int = 0  # sessions recorded, even where a manual count replaces them
    note: str = ""

    def add(self, other: CountResult) -> None:
        self.total += other.total
        self.recorded += other.recorded
        for code, n in other.by_format.items():
            self.by_format[code] = self.by_format.get(code, 0) + n

    def as_json(self) -> dict:
        return {
            "count": self.total,
            "by_format": dict(self.by_format),
            "source": self.source,
            "recorded": self.recorded,
        }


def counts_for(*, body_ids: Iterable[int], fiscal_year: int) -> dict[int, dict[str, CountResult]]:
    """Per body and category, the count of the fiscal year: from sessions, or the manual count
    where one is kept (it replaces the sessions' count for its category). Two queries."""
    ids = list(set(body_ids))
    out: dict[int, dict[str, CountResult]] = defaultdict(dict)
    if not ids:
        return out
    rows = (
        MeetingSession.objects.filter(body_id__in=ids, fiscal_year=fiscal_year)
        .values("body_id", "category", "format")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        result = out[row["body_id"]].setdefault(row["category"], CountResult())
        result.total += row["n"]
        result.recorded += row["n"]
        if row["format"] in result.by_format:
            result.by_format[row["format"]] += row["n"]
    for manual in ManualCount.objects.filter(body_id__in=ids, fiscal_year=fiscal_year):
        recorded = out[manual.body_id].get(manual.category, CountResult()).recorded
        out[manual.body_id][manual.category] = CountResult(
            total=manual.count,
            by_format=manual.by_format,
            source="manual",
            recorded=recorded,
            note=manual.note,
        )
    return out


def combined_count(categories: Mapping[str, CountResult], category: str | None) -> CountResult:
    """The count of one category, or of every category together when `category` is None."""
    if category is not None:
        found = categories.get(category)
        return found if found is not None else CountResult()
    total = CountResult()
    for result in categories.values():
        total.add(result)
    sources = {result.source for result in categories.values()}
    if sources == {"manual"}:
        total.source = "manual"
    elif "manual" in sources:
        total.source = "mixed"
    return total


def default_fiscal_year() -> int:
    """The fiscal year staff most likely work on: the newest report in preparation, else today's."""
    fiscal_year = (
        AnnualReport.objects.filter(state=AnnualReport.State.PREPARING)
        .order_by("-fiscal_year")
        .values_list("fiscal_year", flat=True)
        .first()
    )
    return fiscal_year or fiscal_year_of(timezone.localdate())


def fiscal_year_choices() -> list[int]:
    """Every fiscal year with a report or a session, and the current one; newest first."""
    years = set(AnnualReport.objects.values_list("fiscal_year", flat=True))
    years |= set(MeetingSession.objects.order_by().values_list("fiscal_year", flat=True).distinct())
    today = fiscal_year_of(timezone.localdate())
    years |= {today, today - 1}
    return sorted(years, reverse=True)


def _count_subquery(model, fiscal_year: int) -> Subquery:
    return Subquery(
        model.objects.filter(body=OuterRef("pk"), fiscal_year=fiscal_year)
        .order_by()
        .values("body")
        .annotate(c=Count("id"))
        .values("c"),
        output_field=IntegerField(),
    )


def body_queryset(*, user: User, fiscal_year: int) -> QuerySet[MeetingBody]:
    """Visible bodies with their department and parent and the fiscal year's session count."""
    qs = MeetingBody.objects.select_related("department", "parent").annotate(
        session_count=Coalesce(_count_subquery(MeetingSession, fiscal_year), Value(0)),
        manual_count_rows=Coalesce(_count_subquery(ManualCount, fiscal_year), Value(0)),
    )
    return policy.visible(user, MeetingBody, qs)


def body_list(*, user: User, filters: Mapping | None = None, fiscal_year: int):
    """A BodyFilter over the visible bodies (its `.qs` is the list, `.form` the filter form)."""
    from meetings.filters import BodyFilter

    return BodyFilter(
        filters if filters is not None else {},
        queryset=body_queryset(user=user, fiscal_year=fiscal_year),
        user=user,
    )


def session_queryset(*, user: User) -> QuerySet[MeetingSession]:
    """Visible sessions with their body, department and agenda (prefetched: one more query)."""
    qs = MeetingSession.objects.select_related("body", "body__department").prefetch_related(
        Prefetch("agenda_items", queryset=AgendaItem.objects.order_by("position", "id"))
    )
    return policy.visible(user, MeetingSession, qs)


def session_list(*, user: User, filters: Mapping | None = None):
    """A SessionFilter over the visible sessions (its `.qs` is the list, `.form` the filter form)."""
    from meetings.filters import SessionFilter

    return SessionFilter(
        filters if filters is not None else {}, queryset=session_queryset(user=user), user=user
    )


def body_sessions(*, body: MeetingBody, fiscal_year: int) -> list[MeetingSession]:
    return list(
        MeetingSession.objects.filter(body=body, fiscal_year=fiscal_year)
        .prefetch_related(
            Prefetch("agenda_items", queryset=AgendaItem.objects.order_by("position", "id"))
        )
        .order_by("start", "category", "sequence", "id")
    )


def body_categories(*, body: MeetingBody) -> list[str]:
    """The categories a body uses, the most used first, then its kind (the default for new ones)."""
    used = Counter(MeetingSession.objects.filter(body=body).values_list("category", flat=True))
    for category in ManualCount.objects.filter(body=body).values_list("category", flat=True):
        used[category] += 1
    ordered = [category for category, _ in sorted(used.items(), key=lambda kv: (-kv[1], kv[0]))]
    return ordered if body.kind in ordered else [*ordered, body.kind]


def session_years(*, body: MeetingBody) -> list[int]:
    return list(
        MeetingSession.objects.filter(body=body)
        .order_by("-fiscal_year")
        .values_list("fiscal_year", flat=True)
        .distinct()
    )


def today() -> dt.date:
    return timezone.localdate()
