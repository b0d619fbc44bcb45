"""Read paths of the public site. Each runs one query; the public sees published builds only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from reports.models import Build
from reports.permissions import policy


def published_builds() -> QuerySet[Build]:
    """Release builds the public may see (asks the policy as an anonymous user)."""
    return policy.visible(AnonymousUser(), Build).filter(kind=Build.Kind.RELEASE)


def latest_published_build(fiscal_year: int) -> Build | None:
    return (
        published_builds()
        .filter(report__fiscal_year=fiscal_year)
        .select_related("report")
        .order_by("-published_at", "-id")
        .first()
    )


def edition_build(fiscal_year: int, edition: int) -> Build | None:
    return (
        published_builds()
        .filter(report__fiscal_year=fiscal_year, edition=edition)
        .select_related("report")
        .first()
    )


def editions(fiscal_year: int) -> list[Build]:
    """Every published edition of a fiscal year, newest first."""
    return list(
        published_builds()
        .filter(report__fiscal_year=fiscal_year)
        .select_related("report")
        .order_by("-published_at", "-id")
    )


@dataclass
class PublishedYear:
    fiscal_year: int
    title: str
    edition: int
    published_at: datetime
    editions: int


def published_years() -> list[PublishedYear]:
    """The published fiscal years, newest first, each with its latest edition. One query."""
    rows = (
        published_builds()
        .order_by("-report__fiscal_year", "-published_at", "-id")
        .values_list("report__fiscal_year", "content_version", "edition", "published_at")
    )
    years: dict[int, PublishedYear] = {}
    for fiscal_year, version, edition, published_at in rows:
        if fiscal_year in years:
            years[fiscal_year].editions += 1
            continue
        years[fiscal_year] = PublishedYear(
            fiscal_year=fiscal_year,
            title=(version or {}).get("title", ""),
            edition=edition,
            published_at=published_at,
            editions=1,
        )
    return list(years.values())
