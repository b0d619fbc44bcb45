"""The anonymous public API: published builds only, cached, throttled, never a draft."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from reports.models import Item, Section
from tests import factories
from tests.api.conftest import assert_error
from tests.assembly import sample
from tests.assembly.fixtures import eager_celery, media_root, run_assembly  # noqa: F401

pytestmark = pytest.mark.django_db

DRAFT = "公開前の下書きの文ＡＢＣ"


@pytest.fixture
def published(planning, koshitsu, planning_head, report):
    sections = []
    for department in (planning, koshitsu):
        section = factories.make_section(department, report)
        sample.fill_section(section, items=3, tables=1)
        section.refresh_from_db()
        sample.approve(section, planning_head)
        sections.append(section)
    sample.approve_report(report, planning_head)
    build = run_assembly(report, planning_head)
    assert build.is_published
    return build, sections


def test_published_content_with_cache_headers_and_conditional_requests(published):
    build, _ = published
    anon = APIClient()
    toc = anon.get("/api/v1/public/reports/2024/")
    assert toc.status_code == 200, toc.content
    assert toc["Cache-Control"].startswith("public") and "max-age" in toc["Cache-Control"]
    assert toc["ETag"] == f'"{build.input_checksum}-1"'
    assert toc["Last-Modified"]
    body = toc.json()
    assert body["edition"] == 1 and body["checksum"] == build.input_checksum
    assert [d["code"] for d in body["departments"]] == ["kikaku-seisaku", "shicho-koshitsu"]
    assert "data/index.json" in body["files"] and "_work/toc.json" not in body["files"]
    not_modified = anon.get("/api/v1/public/reports/2024/", HTTP_IF_NONE_MATCH=toc["ETag"])
    assert not_modified.status_code == 304 and not_modified["ETag"] == toc["ETag"]

    dept = anon.get(body["departments"][1]["url"])
    assert dept.status_code == 200
    entry = next(
        e for e in build.content_version["sections"] if e["department"] == "shicho-koshitsu"
    )
    assert dept["ETag"] == f'"{entry["checksum"]}-1"'
    assert dept.json()["items"][0]["number"] == "１"

    tables = anon.get(body["tables"])
    assert tables.status_code == 200 and tables.json()["files"]
    assert tables.json()["files"][0]["url"].startswith("/reports/2024/data/")
    meetings = anon.get(body["meetings"])
    assert meetings.status_code == 200 and meetings.json()["count"] == len(
        meetings.json()["results"]
    )

    edition = anon.get("/api/v1/public/reports/2024/?edition=1")
    assert "immutable" in edition["Cache-Control"]
    assert_error(anon.get("/api/v1/public/reports/2024/?edition=2"), 404, "not_found")
    assert_error(anon.get("/api/v1/public/reports/2024/?edition=x"), 400, "invalid")
    assert_error(anon.get("/api/v1/public/reports/2024/departments/zaisei/"), 404, "not_found")
    assert_error(anon.get("/api/v1/public/reports/99999/"), 404, "not_found")


def test_drafts_after_publication_never_reach_the_public_api(published, editor):
    _, sections = published
    section = sections[1]
    factories.set_state(section, Section.State.DRAFT)
    item = Item.objects.filter(section=section).first()
    item.heading = DRAFT
    item.save()
    anon = APIClient()
    texts = [
        anon.get(url).content.decode()
        for url in (
            "/api/v1/public/reports/",
            "/api/v1/public/reports/2024/",
            "/api/v1/public/reports/2024/departments/shicho-koshitsu/",
            "/api/v1/public/reports/2024/tables/",
            "/api/v1/public/reports/2024/meetings/",
        )
    ]
    assert all(DRAFT not in text for text in texts)


def test_content_that_does_not_match_the_build_s_checksum_is_not_served(published):
    """Snapshots are append-only (a trigger); should one ever differ from what the build
    recorded, the API refuses to serve it rather than serve something unpublished."""
    from reports.models import Build

    build, _ = published
    version = build.content_version
    entry = version["sections"][0]
    entry["checksum"] = "0" * 64
    Build.objects.filter(pk=build.pk).update(content_version=version)
    response = APIClient().get(f"/api/v1/public/reports/2024/departments/{entry['department']}/")
    assert_error(response, 404, "not_found")
    assert DRAFT not in response.content.decode()


def test_the_public_api_is_throttled_per_address(published, settings):
    from akiruno.api import PublicRateThrottle

    cache.clear()
    PublicRateThrottle.THROTTLE_RATES = {**PublicRateThrottle.THROTTLE_RATES, "public": "3/min"}
    try:
        anon = APIClient()
        for _ in range(3):
            assert anon.get("/api/v1/public/reports/").status_code == 200
        response = anon.get("/api/v1/public/reports/")
        assert_error(response, 429, "throttled")
        assert response["Retry-After"]
    finally:
        PublicRateThrottle.THROTTLE_RATES = {
            **PublicRateThrottle.THROTTLE_RATES,
            "public": "120/min",
        }
        cache.clear()


@pytest.mark.parametrize(
    "url",
    ["/api/v1/public/reports/2024/", "/api/v1/public/reports/2024/departments/shicho-koshitsu/"],
)
def test_public_reads_run_a_fixed_number_of_queries(published, url, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        assert APIClient().get(url).status_code == 200


def test_a_year_outside_the_calendar_is_a_404_not_a_500(db):
    """Found by schemathesis: the message once formatted the year in 和暦 and raised."""
    assert_error(APIClient().get("/api/v1/public/reports/575/tables/?edition=3"), 404, "not_found")
