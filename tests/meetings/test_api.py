"""The meetings REST API: the same services and rules as the staff pages, one error shape."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from meetings.models import ManualCount, MeetingBody, MeetingSession
from tests.meetings.factories import make_body, make_manual_count, make_session


@pytest.fixture
def api(editor):
    client = APIClient()
    client.force_authenticate(editor)
    return client


@pytest.fixture
def body(koshitsu):
    return make_body(koshitsu, "全国市長会", key="zenkoku", kind="会議")


def test_create_read_update_delete_a_session(api, body):
    response = api.post(
        "/api/v1/meetings/sessions/",
        {
            "body": "zenkoku",
            "fiscal_year": 2024,
            "category": "総会",
            "sequence": 1,
            "start": "2024-06-04",
            "format": "written",
            "agenda": [{"text": "予算について", "marker": "報告"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["body"] == "zenkoku" and created["fiscal_year"] == 2024
    assert created["agenda"] == [{"text": "予算について", "marker": "報告"}]
    url = f"/api/v1/meetings/sessions/{created['id']}/"
    response = api.patch(url, {"version": 1, "venue": "東京", "attendance": 20}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["venue"], response.json()["version"]) == ("東京", 2)
    assert response.json()["agenda"] == created["agenda"]  # unchanged fields stay
    stale = api.patch(url, {"version": 1, "venue": "古い"}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    assert api.delete(url).status_code == 204
    assert not MeetingSession.objects.exists()


def test_bad_input_gives_the_error_shape_with_every_problem(api, body):
    response = api.post(
        "/api/v1/meetings/sessions/",
        {
            "body": "zenkoku",
            "fiscal_year": 2024,
            "start": "2025-04-01",
            "end": "2024-01-01",
            "attendance": -1,
            "format": "fax",
        },
        format="json",
    )
    assert response.status_code == 400
    payload = response.json()
    assert payload["code"] == "invalid"
    assert set(payload["details"]) >= {"start", "end", "attendance", "format"}
    assert "出席者数に負の値（△1）" in payload["details"]["attendance"]
    assert not MeetingSession.objects.exists()


def test_other_departments_are_404_and_filters_work(api, other_editor, body, zaisei):
    make_session(body, "2024-06-04", agenda=["瀬音の湯について"])
    make_session(body, "2023-06-04")
    other = make_body(zaisei, "財政の会議", key="zaisei")
    hidden = make_session(other, "2024-06-04")
    assert api.get(f"/api/v1/meetings/sessions/{hidden.pk}/").status_code == 404
    assert api.get("/api/v1/meetings/bodies/zaisei/").status_code == 404
    listing = api.get("/api/v1/meetings/sessions/", {"fiscal_year": 2024, "q": "瀬音"}).json()
    assert (
        listing["count"] == 1 and listing["results"][0]["agenda"][0]["text"] == "瀬音の湯について"
    )
    bad = api.get("/api/v1/meetings/sessions/", {"date_from": "2024-02-30"})
    assert bad.status_code == 400 and "date_from" in bad.json()["details"]
    bodies = api.get("/api/v1/meetings/bodies/", {"fiscal_year": 2024}).json()
    assert [(b["key"], b["session_count"]) for b in bodies["results"]] == [("zenkoku", 1)]
    # A body in the request that the user may not see is a wrong field (400), exactly like one
    # that does not exist: nothing tells the two apart.
    hidden_ref = api.post(
        "/api/v1/meetings/sessions/",
        {"body": "zaisei", "fiscal_year": 2024, "start": "2024-06-01"},
        format="json",
    )
    unknown_ref = api.post(
        "/api/v1/meetings/sessions/",
        {"body": "nai", "fiscal_year": 2024, "start": "2024-06-01"},
        format="json",
    )
    assert hidden_ref.status_code == unknown_ref.status_code == 400
    assert set(hidden_ref.json()["details"]) == set(unknown_ref.json()["details"]) == {"body"}
    assert MeetingSession.objects.filter(body=other).count() == 1


def test_bodies_and_manual_counts(api, koshitsu, body):
    response = api.post(
        "/api/v1/meetings/bodies/",
        {
            "key": "kanto-shibu",
            "name": "関東支部",
            "kind": "会議",
            "department": "shicho-koshitsu",
            "role": "member",
            "parent": "zenkoku",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["parent"] == "zenkoku"
    response = api.put(
        "/api/v1/meetings/bodies/kanto-shibu/",
        {"version": 1, "name": "関東支部総会"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["name"] == "関東支部総会"
    assert MeetingBody.objects.get(key="kanto-shibu").parent.key == "zenkoku"
    response = api.post(
        "/api/v1/meetings/manual-counts/",
        {
            "body": "zenkoku",
            "fiscal_year": 2024,
            "category": "通常総会",
            "count": 1,
            "by_format": {"written": 1},
            "note": "件数のみ",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["by_format"] == {"online": 0, "written": 1, "hybrid": 0}
    count_id = response.json()["id"]
    response = api.put(
        f"/api/v1/meetings/manual-counts/{count_id}/", {"version": 1, "count": 2}, format="json"
    )
    assert response.status_code == 200 and response.json()["count"] == 2
    assert api.delete("/api/v1/meetings/bodies/kanto-shibu/").status_code == 204
    assert api.delete("/api/v1/meetings/bodies/zenkoku/").status_code == 204
    assert not MeetingBody.objects.exists()


def test_import_dry_run_then_import(api, body):
    csv = "会議体,区分,回,開催日,内容\r\nzenkoku,総会,1,令和6年6月4日,・議題\r\n".encode()
    response = api.post(
        "/api/v1/meetings/import/",
        {"file": SimpleUploadedFile("s.csv", csv), "fiscal_year": "2024", "dry_run": "true"},
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    assert not MeetingSession.objects.exists()
    response = api.post(
        "/api/v1/meetings/import/",
        {"file": SimpleUploadedFile("s.csv", csv), "fiscal_year": "2024"},
        format="multipart",
    )
    assert response.status_code == 201 and response.json()["rows"] == 1
    again = api.post(
        "/api/v1/meetings/import/",
        {"file": SimpleUploadedFile("s.csv", csv), "fiscal_year": "2024"},
        format="multipart",
    )
    assert again.status_code == 400
    assert "すでに登録されています" in again.json()["details"]["/rows/0/sequence"]
    assert MeetingSession.objects.count() == 1


def test_export_is_for_reviewers(api, reviewer, body):
    make_manual_count(body, "総会", 2)
    assert api.get("/api/v1/meetings/export/", {"fiscal_year": 2024}).status_code == 403
    client = APIClient()
    client.force_authenticate(reviewer)
    data = client.get("/api/v1/meetings/export/", {"fiscal_year": 2024}).json()
    assert data["meetings"]["bodies"][0]["manual_counts"][0]["count"] == 2


def test_anonymous_is_refused():
    assert APIClient().get("/api/v1/meetings/sessions/").status_code in (401, 403)


@pytest.mark.parametrize("url", ["/api/v1/meetings/sessions/", "/api/v1/meetings/manual-counts/"])
def test_a_new_record_without_a_body_or_with_a_non_object_is_400(api, body, url):
    missing = api.post(url, {"fiscal_year": 2024}, format="json")
    assert missing.status_code == 400 and "body" in missing.json()["details"]
    empty = api.post(url)  # no request body at all: was a 404 "check the URL"
    assert empty.status_code == 400 and "body" in empty.json()["details"]
    listed = api.post(url, [{"body": "zenkoku"}], format="json")
    assert listed.status_code == 400 and listed.json()["code"] == "invalid"
    assert not MeetingSession.objects.exists() and not ManualCount.objects.exists()


def test_lists_are_paged_with_page_size_and_the_body_detail_has_no_list_count(api, body):
    for day in range(1, 4):
        make_session(body, f"2024-06-0{day}")
    page = api.get("/api/v1/meetings/sessions/", {"page_size": 2, "page": 2}).json()
    assert page["count"] == 3 and len(page["results"]) == 1 and page["next"] is None
    assert api.get("/api/v1/meetings/sessions/", {"page": 9}).status_code == 404
    listed = api.get("/api/v1/meetings/bodies/", {"fiscal_year": 2024}).json()["results"]
    assert listed[0]["session_count"] == 3
    assert "session_count" not in api.get("/api/v1/meetings/bodies/zenkoku/").json()
