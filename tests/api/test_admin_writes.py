"""Administrators' writes: departments and fiscal years, through the services, under If-Match."""

import pytest

from reports.models import AnnualReport, Department, Section
from reports.services import setup
from tests import factories
from tests.api.conftest import assert_error


@pytest.fixture
def admin_api(as_user, admin_user):
    return as_user(admin_user)


def etag(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response["ETag"]


# -- departments -------------------------------------------------------------------------------


def test_create_a_department_with_its_parent_by_code(admin_api, db):
    bu = factories.make_department("somu-bu", "総務部", kind="bu")
    response = admin_api.post(
        "/api/v1/departments/",
        {"code": "jinji", "name": "人事課", "parent": "somu-bu", "display_order": 40},
        format="json",
    )
    assert response.status_code == 201
    assert response["ETag"]
    created = Department.objects.get(code="jinji")
    assert created.parent == bu and created.kind == "ka"
    assert response.json()["parent"] == "somu-bu"


def test_department_codes_are_unique_and_parents_must_exist(admin_api, koshitsu):
    body = assert_error(
        admin_api.post(
            "/api/v1/departments/",
            {"code": koshitsu.code, "name": "重複", "parent": "nowhere"},
            format="json",
        ),
        400,
        "invalid",
    )
    assert set(body["details"]) == {"code", "parent"}
    assert Department.objects.count() == 1


def test_update_under_if_match_then_the_old_tag_is_stale(admin_api, koshitsu):
    url = f"/api/v1/departments/{koshitsu.code}/"
    first = etag(admin_api, url)
    response = admin_api.patch(url, {"name": "市長室"}, format="json", HTTP_IF_MATCH=first)
    assert response.status_code == 200
    assert response.json()["name"] == "市長室"
    assert response["ETag"] != first
    assert response["ETag"] == etag(admin_api, url)
    stale = admin_api.patch(url, {"name": "別名"}, format="json", HTTP_IF_MATCH=first)
    assert_error(stale, 412, "precondition_failed")
    koshitsu.refresh_from_db()
    assert koshitsu.name == "市長室"


def test_if_match_star_matches_any_version(admin_api, koshitsu):
    url = f"/api/v1/departments/{koshitsu.code}/"
    response = admin_api.patch(url, {"is_active": False}, format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 200
    koshitsu.refresh_from_db()
    assert koshitsu.is_active is False


def test_a_department_cannot_become_its_own_ancestor(admin_api, db):
    bu = factories.make_department("somu-bu", "総務部", kind="bu")
    ka = factories.make_department("jinji", "人事課", parent=bu)
    url = "/api/v1/departments/somu-bu/"
    response = admin_api.patch(
        url, {"parent": "jinji"}, format="json", HTTP_IF_MATCH=etag(admin_api, url)
    )
    body = assert_error(response, 400, "invalid")
    assert "循環" in body["details"]["parent"]
    bu.refresh_from_db()
    assert bu.parent is None and ka.parent == bu


def test_put_and_delete_are_not_offered_for_departments(admin_api, koshitsu):
    url = f"/api/v1/departments/{koshitsu.code}/"
    assert_error(admin_api.delete(url, HTTP_IF_MATCH="*"), 405, "method_not_allowed")
    assert_error(admin_api.put(url, {}, format="json"), 405, "method_not_allowed")
    assert Department.objects.filter(pk=koshitsu.pk).exists()


def test_department_filters(admin_api, db):
    bu = factories.make_department("somu-bu", "総務部", kind="bu")
    factories.make_department("jinji", "人事課", parent=bu)
    factories.make_department("old", "旧課", is_active=False)

    def codes(q):
        return {d["code"] for d in admin_api.get(f"/api/v1/departments/?{q}").json()["results"]}

    assert codes("kind=bu") == {"somu-bu"}
    assert codes("parent=somu-bu") == {"jinji"}
    assert codes("is_active=false") == {"old"}
    assert codes("q=人事") == {"jinji"}
    assert_error(admin_api.get("/api/v1/departments/?kind=department"), 400, "invalid")


# -- fiscal years ------------------------------------------------------------------------------


def test_open_a_fiscal_year_with_a_section_per_active_ka(admin_api, koshitsu, zaisei):
    factories.make_department("old", "旧課", is_active=False)
    factories.make_department("somu-bu", "総務部", kind="bu")
    response = admin_api.post(
        "/api/v1/reports/", {"fiscal_year": 2025, "deadline": "2026-05-29"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["title"] == "令和7年度 事務報告書"
    assert body["fiscal_year_label"] == "令和7年度"
    assert body["section_counts"]["draft"] == 2
    assert response["ETag"] == '"v1"'
    report = AnnualReport.objects.get(fiscal_year=2025)
    assert {s.department.code for s in report.sections.all()} == {"shicho-koshitsu", "zaisei"}


def test_opening_without_sections(admin_api, koshitsu):
    response = admin_api.post(
        "/api/v1/reports/", {"fiscal_year": 2026, "create_sections": False}, format="json"
    )
    assert response.status_code == 201
    assert not Section.objects.exists()


@pytest.mark.parametrize(
    "payload,place",
    [
        ({"fiscal_year": 1800}, "fiscal_year"),
        ({"fiscal_year": "令和7"}, "fiscal_year"),
        ({"fiscal_year": 2025, "deadline": "2025-03-31"}, "deadline"),
        ({"fiscal_year": 2025, "deadline": "someday"}, "deadline"),
        ({"fiscal_year": 2025, "state": "approved"}, "state"),
    ],
)
def test_opening_refuses_bad_input_and_writes_nothing(admin_api, db, payload, place):
    body = assert_error(admin_api.post("/api/v1/reports/", payload, format="json"), 400, "invalid")
    assert place in body["details"]
    assert not AnnualReport.objects.exists()


def test_change_title_and_deadline_under_if_match(admin_api, report):
    url = "/api/v1/reports/2024/"
    tag = etag(admin_api, url)
    assert tag == '"v1"'
    response = admin_api.patch(
        url,
        {"title": "令和6年度 あきる野市事務報告書", "deadline": "2025-05-30"},
        format="json",
        HTTP_IF_MATCH=tag,
    )
    assert response.status_code == 200
    assert response["ETag"] == '"v2"'
    report.refresh_from_db()
    assert report.version == 2 and report.deadline.isoformat() == "2025-05-30"
    assert_error(
        admin_api.patch(url, {"title": "x"}, format="json", HTTP_IF_MATCH=tag),
        412,
        "precondition_failed",
    )


def test_the_fiscal_year_itself_cannot_be_changed(admin_api, report):
    url = "/api/v1/reports/2024/"
    response = admin_api.patch(url, {"fiscal_year": 2023}, format="json", HTTP_IF_MATCH='"v1"')
    body = assert_error(response, 400, "invalid")
    assert "fiscal_year" in body["details"]


def test_a_concurrent_write_between_check_and_save_is_stale(admin_user, report):
    """The service's compare-and-set is the last guard: version moved on → 409 stale."""
    AnnualReport.objects.filter(pk=report.pk).update(version=5)
    from akiruno.exceptions import StaleVersion

    with pytest.raises(StaleVersion):
        setup.report_update(report=report, actor=admin_user, expected_version=1, title="x")
    report.refresh_from_db()
    assert report.title != "x" and report.version == 5


def test_report_counts_show_only_visible_sections(as_user, editor, report, koshitsu, zaisei):
    factories.make_section(koshitsu, report)
    factories.set_state(factories.make_section(zaisei, report), Section.State.IN_REVIEW)
    counts = as_user(editor).get("/api/v1/reports/2024/").json()["section_counts"]
    assert counts["draft"] == 1 and counts["in_review"] == 0


def test_report_filters(as_user, reviewer, db):
    for fy in (2022, 2023, 2024):
        factories.make_report(fy)
    AnnualReport.objects.filter(fiscal_year=2022).update(state=AnnualReport.State.PUBLISHED)
    client = as_user(reviewer)

    def years(q):
        return [r["fiscal_year"] for r in client.get(f"/api/v1/reports/?{q}").json()["results"]]

    assert years("") == [2024, 2023, 2022]
    assert years("fiscal_year_from=2023") == [2024, 2023]
    assert years("state=published") == [2022]
    assert years("ordering=fiscal_year") == [2022, 2023, 2024]
