"""Search across published years, in Japanese, including one- and two-character terms."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from reports.models import SearchEntry
from reports.services import search
from tests.assembly import sample
from tests.assembly.fixtures import body, run_assembly

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_years(planning_head):
    """Two published years, indexed as publication does, without laying out PDFs."""
    from django.utils import timezone

    from reports.models import Build
    from reports.services import assembly, rendering

    for year in (2023, 2024):
        report = sample.make_approved_report(
            fiscal_year=year, items=4, tables=2, reviewer=planning_head
        )
        contents, version, checksum = assembly._release_input(report)
        rendered = rendering.render_report(
            fiscal_year=year, title=report.title, city="あきる野市", contents=contents
        )
        build = Build.objects.create(
            report=report,
            status=Build.Status.SUCCEEDED,
            input_checksum=checksum,
            content_version=version,
            published_at=timezone.now(),
            edition=1,
        )
        parts = json.loads(rendered.work["_work/search.json"])
        search.index_build(build=build, parts=parts, title=report.title)


def test_two_character_term_finds_items_in_every_published_year(client, two_years):
    results = search.search("健診")
    assert results.total > 0
    assert {hit.entry.fiscal_year for hit in results.hits} == {2023, 2024}
    hit = results.hits[0]
    assert hit.entry.fiscal_year == 2024  # newest year first
    marked = [segment.text for segment in hit.segments if segment.match]
    assert marked and all(text == "健診" for text in marked)
    page = body(client.get("/search/", {"q": "健診"}))
    assert "<mark>健診</mark>" in page
    assert f'href="/reports/2024/{hit.entry.department_code}/#{hit.entry.anchor}"' in page


def test_one_character_and_long_terms(two_years):
    assert search.search("税").total > 0
    long = search.search("指定管理者選定委員会")
    assert long.total > 0
    assert all("指定管理者選定委員会" in hit.entry.normalized for hit in long.hits)


def test_terms_are_folded_and_all_must_match(two_years):
    # Full-width and half-width forms match each other (ＪＲ in the text, JR typed).
    assert search.search("jr五日市線").total == search.search("ＪＲ五日市線").total > 0
    both = search.search("健診 五日市線")
    assert both.total > 0
    assert all("健診" in h.entry.normalized and "五日市線" in h.entry.normalized for h in both.hits)
    assert search.search("健診 存在しない語句").total == 0


def test_no_match_and_empty_query(client):
    assert search.search("").total == 0 and search.search("   ").terms == []
    page = body(client.get("/search/", {"q": "存在しない語句"}))
    assert "見つかりませんでした" in page
    assert body(client.get("/search/")).count('class="search-result"') == 0


def test_highlight_keeps_the_original_text():
    segments = search.highlight("ＪＲ五日市線の改善（ＪＲ）", ["jr"])
    assert [(s.text, s.match) for s in segments] == [
        ("ＪＲ", True),
        ("五日市線の改善（", False),
        ("ＪＲ", True),
        ("）", False),
    ]
    long = search.highlight("あ" * 300 + "健診" + "い" * 300, ["健診"], length=40)
    assert long[0].text == "…" and long[-1].text == "…"
    assert any(s.match and s.text == "健診" for s in long)


def test_publication_indexes_the_latest_edition_only(planning_head):
    from reports.models import AnnualReport

    report = sample.make_approved_report(items=4, tables=2, reviewer=planning_head)
    first = run_assembly(report, planning_head)
    assert set(SearchEntry.objects.values_list("build_id", flat=True)) == {first.pk}
    assert search.search("健診").total > 0
    # A correction: the year's entries are replaced by the new edition's.
    from reports.models import Item, Section
    from tests import factories

    section = Section.objects.get(report=report, department__code="zaisei")
    factories.set_state(section, Section.State.DRAFT)
    AnnualReport.objects.filter(pk=report.pk).update(state=AnnualReport.State.PREPARING)
    item = Item.objects.filter(section=section, parent=None).order_by("position").first()
    item.heading = "訂正で加えた見出し語"
    item.save()
    sample.approve(section, planning_head)
    sample.approve_report(report, planning_head)
    second = run_assembly(report, planning_head)
    assert second.edition == 2
    assert set(SearchEntry.objects.values_list("build_id", flat=True)) == {second.pk}
    assert search.search("訂正で加えた見出し語").total == 1


def test_search_runs_a_fixed_number_of_queries(client, two_years, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        results = search.search("健診")
        list(results.hits)
    with django_assert_max_num_queries(2):
        search.search("指定管理者 健診")


def test_the_database_has_its_trigram_index(two_years):
    """SQLite: the FTS5 trigram table; PostgreSQL: pg_trgm and its GIN index (one test, each run)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
            assert cursor.fetchone() is not None
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'reports_searchentry_trgm'"
            )
            assert "gin_trgm_ops" in cursor.fetchone()[0]
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM reports_searchentry_fts WHERE reports_searchentry_fts MATCH '\"指定管理\"'"
        )
        assert cursor.fetchone()[0] > 0
    sql = str(search.matching_entries(["指定管理"]).query)
    assert "MATCH" in sql
    assert "MATCH" not in str(search.matching_entries(["健診"]).query)  # short: the LIKE fallback


def test_search_query_is_limited():
    assert len(search.parse_query(" ".join(str(i) for i in range(50)))) == search.MAX_TERMS
    assert search.parse_query("Ａ　ｂ") == ["a", "b"]


def test_folding_is_the_same_for_the_query_and_the_index():
    from reports.services.rendering import fold_text

    assert fold_text("４，８１２，１９８") == fold_text("4,812,198") == fold_text("4812198")
    assert (
        fold_text("ﾀｳﾝﾐｰﾃｨﾝｸﾞ") == fold_text("タウンミーティング") == fold_text("たうんみーてぃんぐ")
    )
    assert fold_text("ＡＢＣ") == "abc"
    assert fold_text("1,2") == "1,2"  # not a thousands separator: kept


def test_highlight_maps_a_folded_match_back_to_the_original():
    marked = [
        s.text for s in search.highlight("交付基準額 ４，８１２，１９８円", ["4812198"]) if s.match
    ]
    assert marked == ["４，８１２，１９８"]
    marked = [
        s.text
        for s in search.highlight("タウンミーティングの開催", ["たうんみーてぃんぐ"])
        if s.match
    ]
    assert marked == ["タウンミーティング"]
