"""Search across the published years, in Japanese.

Japanese has no spaces between words, so the index is of substrings: an FTS5 trigram index on
SQLite (the embedded default) and a pg_trgm GIN index on PostgreSQL, both over text folded
with NFKC and case (全角ＡＢＣ１２３ and half-width match each other). Trigrams need three
characters; one- and two-character terms (健診, 税) fall back to a substring scan (LIKE) over
the same table, which stays small: one row per item of the latest edition of each year.

Only the latest published build of each fiscal year is indexed (the rows of a year are
replaced when a new edition is published), so nothing else can be found.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models.expressions import RawSQL

from reports.models import Build, SearchEntry
from reports.services.rendering import fold, fold_text

MAX_QUERY_LENGTH = 100
MAX_TERMS = 5
PAGE_SIZE = 20
SNIPPET_LENGTH = 120
FTS_TABLE = "reports_searchentry_fts"
FTS_QUERY = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608


def index_build(*, build: Build, parts: list[dict], title: str) -> int:
    """Replace the index of the build's fiscal year with the build's items."""
    fiscal_year = build.report.fiscal_year
    SearchEntry.objects.filter(fiscal_year=fiscal_year).delete()
    rows = []
    position = 0
    for part in parts:
        for entry in part["entries"]:
            position += 1
            rows.append(
                SearchEntry(
                    build=build,
                    fiscal_year=fiscal_year,
                    report_title=title,
                    department_code=part["code"],
                    department_name=part["name"],
                    position=position,
                    anchor=entry["anchor"],
                    number=(entry.get("path") or entry["number"])[:100],
                    heading=entry["heading"],
                    text=entry["text"],
                    normalized=fold_text(entry["text"]),
                )
            )
    SearchEntry.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def parse_query(q: str) -> list[str]:
    """Folded terms of a query: split on spaces (full-width too), at most MAX_TERMS."""
    folded = fold_text((q or "")[:MAX_QUERY_LENGTH])
    terms: list[str] = []
    for term in folded.split():
        if term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


@functools.cache
def _has_fts(alias: str = "default") -> bool:
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [FTS_TABLE]
        )
        return cursor.fetchone() is not None


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def matching_entries(terms: list[str], *, fiscal_year: int | None = None):
    """Entries containing every term (a queryset, in reading order, newest year first)."""
    qs = SearchEntry.objects.all()
    if fiscal_year:
        qs = qs.filter(fiscal_year=fiscal_year)
    long_terms = [t for t in terms if len(t) >= 3]
    short_terms = [t for t in terms if len(t) < 3]
    if long_terms and _has_fts():
        match = " AND ".join(_fts_phrase(t) for t in long_terms)
        qs = qs.filter(
            # The table name is a constant; the match expression is a parameter.
            pk__in=RawSQL(FTS_QUERY, [match])  # noqa: S611
        )
    else:
        # PostgreSQL: LIKE '%term%' uses the pg_trgm GIN index for terms of 3+ characters.
        for term in long_terms:
            qs = qs.filter(normalized__contains=term)
    for term in short_terms:
        qs = qs.filter(normalized__contains=term)
    return qs.order_by("-fiscal_year", "position")


@dataclass
class Segment:
    text: str
    match: bool = False


@dataclass
class Hit:
    entry: SearchEntry
    title: list[Segment]
    segments: list[Segment]

    @property
    def url(self) -> str:
        e = self.entry
        return f"/reports/{e.fiscal_year}/{e.department_code}/#{e.anchor}"


def highlight(text: str, terms: list[str], *, length: int = SNIPPET_LENGTH) -> list[Segment]:
    """An excerpt of `text` around the first match, split into matched and other segments."""
    folded, origin = fold(text)
    spans: list[tuple[int, int]] = []
    for term in terms:
        start = folded.find(term)
        while start != -1 and term:
            end = start + len(term)
            spans.append((origin[start], origin[end - 1] + 1))
            start = folded.find(term, end)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    first = merged[0][0] if merged else 0
    window_start = max(0, first - length // 4)
    window_end = min(len(text), window_start + length)
    segments: list[Segment] = []
    if window_start > 0:
        segments.append(Segment("…"))
    cursor = window_start
    for start, end in merged:
        if end <= window_start or start >= window_end:
            continue
        start, end = max(start, window_start), min(end, window_end)
        if start > cursor:
            segments.append(Segment(text[cursor:start]))
        segments.append(Segment(text[start:end], match=True))
        cursor = end
    if cursor < window_end:
        segments.append(Segment(text[cursor:window_end]))
    if window_end < len(text):
        segments.append(Segment("…"))
    return segments


@dataclass
class SearchResults:
    query: str
    terms: list[str]
    page: Page | None
    hits: list[Hit]

    @property
    def total(self) -> int:
        return self.page.paginator.count if self.page else 0


def search(q: str, *, page: int | str = 1, fiscal_year: int | None = None) -> SearchResults:
    """Search the published reports. Two queries (count and page) whatever the index size."""
    terms = parse_query(q)
    if not terms:
        return SearchResults(query=q or "", terms=[], page=None, hits=[])
    paginator = Paginator(matching_entries(terms, fiscal_year=fiscal_year), PAGE_SIZE)
    result_page = paginator.get_page(page)
    hits = [
        Hit(
            entry=entry,
            title=highlight(f"{entry.number} {entry.heading}", terms, length=500),
            segments=highlight(_body(entry), terms),
        )
        for entry in result_page.object_list
    ]
    return SearchResults(query=q, terms=terms, page=result_page, hits=hits)


def _body(entry: SearchEntry) -> str:
    """The text without its first line (number and heading, shown as the result's title)."""
    head, _, body = entry.text.partition("\n")
    return body or head
