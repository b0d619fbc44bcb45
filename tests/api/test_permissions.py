"""Who may do what through the API, per role and per department: the policy's answers, end to end.

editor/head of 市長公室 own `section`; zaisei's editor owns `other_section`; the reviewer and the
administrator see both; anonymous requests get 401.
"""

import pytest

from reports.models import AnnualReport, Department
from tests.api.conftest import assert_error, make_event

ROLES = ["editor", "head", "other_editor", "reviewer", "admin_user"]


@pytest.fixture
def client_for(request, as_user):
    def make(role: str):
        return as_user(request.getfixturevalue(role))

    return make


# role → (sees own section, sees other section)
SECTION_VISIBILITY = {
    "editor": (True, False),
    "head": (True, False),
    "other_editor": (False, True),
    "reviewer": (True, True),
    "admin_user": (True, True),
}


@pytest.mark.parametrize("role", ROLES)
def test_section_detail_per_role_and_department(client_for, role, section, other_section):
    client = client_for(role)
    sees_own, sees_other = SECTION_VISIBILITY[role]
    for target, visible in ((section, sees_own), (other_section, sees_other)):
        response = client.get(f"/api/v1/sections/{target.pk}/")
        if visible:
            assert response.status_code == 200
            assert response.json()["department"]["code"] == target.department.code
        else:
            assert_error(response, 404, "not_found")


@pytest.mark.parametrize("role", ROLES)
def test_section_list_holds_only_what_the_role_may_see(client_for, role, section, other_section):
    ids = {s["id"] for s in client_for(role).get("/api/v1/sections/").json()["results"]}
    sees_own, sees_other = SECTION_VISIBILITY[role]
    expected = {s.pk for s, ok in ((section, sees_own), (other_section, sees_other)) if ok}
    assert ids == expected


def test_anonymous_gets_401_everywhere(anon, section, koshitsu):
    for url in (
        "/api/v1/sections/",
        f"/api/v1/sections/{section.pk}/",
        "/api/v1/departments/",
        f"/api/v1/departments/{koshitsu.code}/",
        "/api/v1/reports/",
        "/api/v1/reports/2024/",
        "/api/v1/events/",
        "/api/v1/snapshots/",
        "/api/v1/users/me/",
        "/api/v1/auth/tokens/",
    ):
        assert_error(anon.get(url), 401, "not_authenticated")
    assert_error(
        anon.post("/api/v1/departments/", {"code": "x", "name": "x"}, format="json"),
        401,
        "not_authenticated",
    )
    assert not Department.objects.filter(code="x").exists()


@pytest.mark.parametrize("role", ROLES)
def test_allowed_actions_are_the_policys(client_for, role, section, other_section):
    own_visible, _ = SECTION_VISIBILITY[role]
    if not own_visible:
        return
    actions = set(client_for(role).get(f"/api/v1/sections/{section.pk}/").json()["allowed_actions"])
    expected = {
        "editor": {"view", "edit", "submit", "comment", "preview", "history", "restore"},
        "head": {"view", "edit", "submit", "comment", "preview", "history", "restore"},
        "reviewer": {"view", "comment", "preview", "history"},
        "admin_user": {"view", "preview", "history"},
    }[role]
    assert actions == expected


@pytest.mark.parametrize("role", ROLES)
def test_everyone_on_staff_reads_departments_and_reports(client_for, role, koshitsu, report):
    client = client_for(role)
    assert client.get("/api/v1/departments/").status_code == 200
    assert client.get(f"/api/v1/departments/{koshitsu.code}/").status_code == 200
    assert client.get("/api/v1/reports/").status_code == 200
    assert client.get("/api/v1/reports/2024/").status_code == 200


@pytest.mark.parametrize("role", ["editor", "head", "other_editor", "reviewer"])
def test_only_administrators_write_departments_and_reports(client_for, role, koshitsu, report):
    client = client_for(role)
    response = client.post("/api/v1/departments/", {"code": "new", "name": "新課"}, format="json")
    assert_error(response, 403, "forbidden")
    response = client.post("/api/v1/reports/", {"fiscal_year": 2030}, format="json")
    assert_error(response, 403, "forbidden")
    etag = client.get(f"/api/v1/departments/{koshitsu.code}/")["ETag"]
    response = client.patch(
        f"/api/v1/departments/{koshitsu.code}/", {"name": "改"}, format="json", HTTP_IF_MATCH=etag
    )
    assert_error(response, 403, "forbidden")
    etag = client.get("/api/v1/reports/2024/")["ETag"]
    response = client.patch(
        "/api/v1/reports/2024/", {"title": "改"}, format="json", HTTP_IF_MATCH=etag
    )
    assert_error(response, 403, "forbidden")
    koshitsu.refresh_from_db()
    report.refresh_from_db()
    assert koshitsu.name == "市長公室" and report.title != "改"
    assert not Department.objects.filter(code="new").exists()
    assert not AnnualReport.objects.filter(fiscal_year=2030).exists()


def test_the_planning_head_is_not_an_administrator(as_user, planning_head):
    response = as_user(planning_head).post("/api/v1/reports/", {"fiscal_year": 2030}, format="json")
    assert_error(response, 403, "forbidden")


# role → (sees events of own section, of the other section)
@pytest.mark.parametrize("role", ROLES)
def test_events_and_snapshots_follow_section_visibility(
    client_for, role, section, other_section, editor, other_editor
):
    own_event = make_event(section, editor)
    other_event = make_event(other_section, other_editor)
    client = client_for(role)
    sees_own, sees_other = SECTION_VISIBILITY[role]
    expected = {e.pk for e, ok in ((own_event, sees_own), (other_event, sees_other)) if ok}
    assert {e["id"] for e in client.get("/api/v1/events/").json()["results"]} == expected
    snapshots = {s["id"] for s in client.get("/api/v1/snapshots/").json()["results"]}
    assert snapshots == {e.snapshot_id for e in (own_event, other_event) if e.pk in expected}
    for event, ok in ((own_event, sees_own), (other_event, sees_other)):
        response = client.get(f"/api/v1/events/{event.pk}/")
        snapshot = client.get(f"/api/v1/snapshots/{event.snapshot_id}/")
        if ok:
            assert response.status_code == 200 and snapshot.status_code == 200
            assert snapshot.json()["content"]["department"] == event.section.department.code
        else:
            assert_error(response, 404, "not_found")
            assert_error(snapshot, 404, "not_found")


def test_events_are_read_only(as_user, admin_user, section, editor):
    event = make_event(section, editor)
    client = as_user(admin_user)
    assert_error(client.post("/api/v1/events/", {}, format="json"), 405, "method_not_allowed")
    assert_error(client.delete(f"/api/v1/events/{event.pk}/"), 405, "method_not_allowed")
    assert_error(
        client.patch(f"/api/v1/events/{event.pk}/", {"comment": "x"}, format="json"),
        405,
        "method_not_allowed",
    )


@pytest.mark.parametrize("role", ROLES)
def test_users_me_tells_each_role_who_they_are(client_for, request, role):
    body = client_for(role).get("/api/v1/users/me/").json()
    user = request.getfixturevalue(role)
    assert body["username"] == user.username
    assert body["is_administrator"] == (role == "admin_user")
    assert body["is_reviewer"] == (role == "reviewer")
    assert body["department"] == (
        {"code": user.department.code, "name": user.department.name} if user.department else None
    )
