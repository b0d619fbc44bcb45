"""Transitions, content writes, comments, builds and interchange over the API: who may, in which
state, with what input; every refusal in the error shape and with nothing changed."""

from __future__ import annotations

import pytest
from django.db.models import Max
from rest_framework.test import APIClient

from reports.models import Block, Build, Item, Section, SectionEvent, SectionRevision
from tests import factories
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db


def etag(client: APIClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response["ETag"]


def filled(section: Section) -> Section:
    item = factories.make_item(section, "相談")
    factories.make_block(item, "text", {"paragraphs": ["本文"]})
    return section


def nothing_changed(section: Section, before: tuple) -> None:
    section.refresh_from_db()
    assert (
        section.state,
        section.version,
        SectionEvent.objects.filter(section=section).count(),
        SectionRevision.objects.filter(section=section).count(),
    ) == before


def snapshot(section: Section) -> tuple:
    section.refresh_from_db()
    return (
        section.state,
        section.version,
        SectionEvent.objects.filter(section=section).count(),
        SectionRevision.objects.filter(section=section).count(),
    )


# -- transitions -------------------------------------------------------------------------


def test_submit_needs_if_match_and_refuses_a_stale_one(as_user, editor, section):
    filled(section)
    client = as_user(editor)
    url = f"/api/v1/sections/{section.pk}/submit/"
    before = snapshot(section)
    assert_error(client.post(url, {}, format="json"), 428, "precondition_required")
    assert_error(
        client.post(url, {}, format="json", HTTP_IF_MATCH='"v999"'), 412, "precondition_failed"
    )
    nothing_changed(section, before)
    response = client.post(
        url, {}, format="json", HTTP_IF_MATCH=etag(client, f"/api/v1/sections/{section.pk}/")
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "awaiting_head"
    assert response["ETag"] == f'"v{response.json()["version"]}"'


@pytest.mark.parametrize(
    "who,action,state,status,code",
    [
        ("head", "submit", "draft", 200, None),  # a head is a member of the department
        ("reviewer", "submit", "draft", 403, "forbidden"),
        ("editor", "forward", "awaiting_head", 403, "forbidden"),
        ("editor", "forward", "draft", 403, "forbidden"),
        ("head", "forward", "draft", 409, "wrong_state"),
        ("editor", "submit", "in_review", 409, "wrong_state"),
        ("reviewer", "approve", "awaiting_head", 409, "wrong_state"),
        ("editor", "approve", "in_review", 403, "forbidden"),
        ("other_editor", "submit", "draft", 404, "not_found"),
        ("other_editor", "approve", "in_review", 404, "not_found"),
        ("reviewer", "reopen", "in_review", 409, "wrong_state"),
    ],
)
def test_wrong_actor_is_403_wrong_state_409_invisible_404(
    request, as_user, section, who, action, state, status, code
):
    filled(section)
    factories.set_state(section, state)
    user = request.getfixturevalue(who)
    client = as_user(user)
    before = snapshot(section)
    body = {"reason": "理由"} if action == "reopen" else {}
    response = client.post(
        f"/api/v1/sections/{section.pk}/{action}/", body, format="json", HTTP_IF_MATCH="*"
    )
    if status == 200:
        assert response.status_code == 200, response.content
        return
    assert_error(response, status, code)
    nothing_changed(section, before)


def test_return_needs_a_comment_and_reopen_a_reason(as_user, reviewer, section):
    filled(section)
    factories.set_state(section, Section.State.IN_REVIEW)
    client = as_user(reviewer)
    before = snapshot(section)
    url = f"/api/v1/sections/{section.pk}/return/"
    body = assert_error(
        client.post(url, {"comment": "  "}, format="json", HTTP_IF_MATCH="*"), 400, "invalid"
    )
    assert "comment" in body["details"]
    body = assert_error(
        client.post(
            url, {"comment": 5, "pinned": "x", "extra": 1}, format="json", HTTP_IF_MATCH="*"
        ),
        400,
        "invalid",
    )
    assert {"pinned", "extra"} <= set(body["details"])
    body = assert_error(
        client.post(
            url,
            {"comment": "見て", "pinned": [{"item": "nope", "comment": "x"}]},
            format="json",
            HTTP_IF_MATCH="*",
        ),
        400,
        "invalid",
    )
    nothing_changed(section, before)
    factories.set_state(section, Section.State.APPROVED)
    before = snapshot(section)
    body = assert_error(
        client.post(f"/api/v1/sections/{section.pk}/reopen/", {}, format="json", HTTP_IF_MATCH="*"),
        400,
        "invalid",
    )
    assert "reason" in body["details"]
    nothing_changed(section, before)


def test_submit_of_an_empty_section_lists_every_problem(as_user, editor, section):
    body = assert_error(
        as_user(editor).post(
            f"/api/v1/sections/{section.pk}/submit/", {}, format="json", HTTP_IF_MATCH="*"
        ),
        400,
        "incomplete",
    )
    assert "/items" in body["details"]


def test_transitions_on_missing_objects_and_malformed_bodies(as_user, editor, section):
    client = as_user(editor)
    assert_error(
        client.post("/api/v1/sections/999999/submit/", {}, format="json", HTTP_IF_MATCH="*"),
        404,
        "not_found",
    )
    response = client.post(
        f"/api/v1/sections/{section.pk}/submit/",
        b"{nope",
        content_type="application/json",
        HTTP_IF_MATCH="*",
    )
    assert_error(response, 400, "parse_error")
    assert_error(
        client.post(
            f"/api/v1/sections/{section.pk}/submit/", {"x": 1}, format="json", HTTP_IF_MATCH="*"
        ),
        400,
        "invalid",
    )


def test_report_approval_by_the_planning_head_only_when_everything_is_approved(
    as_user, reviewer, planning_head, section, report
):
    factories.set_state(section, Section.State.IN_REVIEW)
    url = "/api/v1/reports/2024/approve/"
    assert_error(
        as_user(reviewer).post(url, {}, format="json", HTTP_IF_MATCH="*"), 403, "forbidden"
    )
    body = assert_error(
        as_user(planning_head).post(url, {}, format="json", HTTP_IF_MATCH="*"),
        409,
        "not_approvable",
    )
    assert body["details"]
    report.refresh_from_db()
    assert report.state == "preparing"
    assert_error(as_user(planning_head).post(url, {}, format="json"), 428, "precondition_required")


# -- content writes ---------------------------------------------------------------------


def test_item_and_block_writes_go_through_the_services(as_user, editor, section):
    client = as_user(editor)
    response = client.post(
        f"/api/v1/sections/{section.pk}/items/", {"heading": "第一"}, format="json"
    )
    assert response.status_code == 201, response.content
    first = response.json()
    second = client.post(
        f"/api/v1/sections/{section.pk}/items/", {"heading": "第二"}, format="json"
    ).json()
    child = client.post(f"/api/v1/items/{first['id']}/items/", {"heading": "下位"}, format="json")
    assert child.status_code == 201 and child.json()["parent"] == first["id"]

    # heading: If-Match required, stale refused, then done
    url = f"/api/v1/items/{second['id']}/"
    assert_error(client.patch(url, {"heading": "x"}, format="json"), 428, "precondition_required")
    assert_error(
        client.patch(url, {"heading": "x"}, format="json", HTTP_IF_MATCH='"v0"'),
        412,
        "precondition_failed",
    )
    response = client.patch(
        url, {"heading": "第二（改）"}, format="json", HTTP_IF_MATCH=etag(client, url)
    )
    assert response.status_code == 200 and response.json()["heading"] == "第二（改）"
    assert response["ETag"] == f'"v{response.json()["version"]}"'

    # shift up, indent, outdent
    response = client.post(
        f"{url}shift/", {"direction": "up"}, format="json", HTTP_IF_MATCH=etag(client, url)
    )
    assert response.status_code == 200 and response.json()["position"] == 0
    assert_error(
        client.post(
            f"{url}shift/", {"direction": "up"}, format="json", HTTP_IF_MATCH=etag(client, url)
        ),
        400,
        "invalid",
    )
    response = client.post(
        f"/api/v1/items/{first['id']}/indent/", {}, format="json", HTTP_IF_MATCH="*"
    )
    assert response.status_code == 200 and response.json()["parent"] == second["id"]
    response = client.post(
        f"/api/v1/items/{first['id']}/outdent/", {}, format="json", HTTP_IF_MATCH="*"
    )
    assert response.status_code == 200 and response.json()["parent"] is None
    response = client.post(
        f"/api/v1/items/{first['id']}/move/",
        {"parent": second["id"], "position": 0},
        format="json",
        HTTP_IF_MATCH="*",
    )
    assert response.status_code == 200 and response.json()["parent"] == second["id"]
    body = assert_error(
        client.post(
            f"/api/v1/items/{second['id']}/move/",
            {"parent": first["id"]},
            format="json",
            HTTP_IF_MATCH="*",
        ),
        400,
        "invalid",
    )
    assert "parent" in body["details"]

    # blocks: create (kind checked), update (every problem), shift, delete
    blocks_url = f"/api/v1/items/{second['id']}/blocks/"
    assert_error(client.post(blocks_url, {"kind": "nope"}, format="json"), 400, "invalid")
    a = client.post(
        blocks_url, {"kind": "text", "data": {"paragraphs": ["一"]}}, format="json"
    ).json()
    b = client.post(blocks_url, {"kind": "text"}, format="json").json()
    assert (a["position"], b["position"]) == (0, 1)
    block_url = f"/api/v1/blocks/{a['id']}/"
    revisions = SectionRevision.objects.filter(section=section).count()
    assert_error(
        client.patch(
            block_url,
            {"data": {"paragraphs": 3}},
            format="json",
            HTTP_IF_MATCH=etag(client, block_url),
        ),
        400,
        "invalid",
    )
    assert SectionRevision.objects.filter(section=section).count() == revisions
    response = client.patch(
        block_url,
        {"data": {"paragraphs": ["改"]}},
        format="json",
        HTTP_IF_MATCH=etag(client, block_url),
    )
    assert response.status_code == 200 and response.json()["data"]["paragraphs"] == ["改"]
    response = client.post(
        f"{block_url}shift/", {"direction": "down"}, format="json", HTTP_IF_MATCH="*"
    )
    assert response.status_code == 200 and response.json()["position"] == 1
    assert client.delete(block_url, HTTP_IF_MATCH=etag(client, block_url)).status_code == 204
    assert not Block.objects.filter(pk=a["id"]).exists()
    assert client.delete(url, HTTP_IF_MATCH=etag(client, url)).status_code == 204
    assert not Item.objects.filter(pk=second["id"]).exists()

    # the item went with its sub-items (第一 had been moved under it, with its own child)
    assert client.get(f"/api/v1/sections/{section.pk}/").json()["items"] == []
    assert not Item.objects.filter(section=section).exists()


def test_content_writes_refused_by_state_role_and_department(
    as_user, editor, reviewer, other_editor, section
):
    item = factories.make_item(section, "見出し")
    block = factories.make_block(item, "text", {"paragraphs": ["本文"]})
    before = snapshot(section)
    # another department: 404, even with a valid If-Match
    for client_user in (other_editor,):
        client = as_user(client_user)
        assert_error(
            client.patch(
                f"/api/v1/items/{item.pk}/", {"heading": "x"}, format="json", HTTP_IF_MATCH="*"
            ),
            404,
            "not_found",
        )
        assert_error(
            client.post(f"/api/v1/sections/{section.pk}/items/", {"heading": "x"}, format="json"),
            404,
            "not_found",
        )
        assert_error(
            client.delete(f"/api/v1/blocks/{block.pk}/", HTTP_IF_MATCH="*"), 404, "not_found"
        )
    # a reviewer sees it but may not edit
    assert_error(
        as_user(reviewer).patch(
            f"/api/v1/items/{item.pk}/", {"heading": "x"}, format="json", HTTP_IF_MATCH="*"
        ),
        403,
        "forbidden",
    )
    # the department, while it is in review: 409
    factories.set_state(section, Section.State.IN_REVIEW)
    before = snapshot(section)
    body = assert_error(
        as_user(editor).patch(
            f"/api/v1/blocks/{block.pk}/",
            {"data": {"paragraphs": ["x"]}},
            format="json",
            HTTP_IF_MATCH="*",
        ),
        409,
        "wrong_state",
    )
    assert body["details"]["state"] == "in_review"
    assert_error(
        as_user(editor).post(
            f"/api/v1/sections/{section.pk}/items/", {"heading": "x"}, format="json"
        ),
        409,
        "wrong_state",
    )
    nothing_changed(section, before)
    block.refresh_from_db()
    assert block.data["paragraphs"] == ["本文"]


def test_unknown_fields_and_wrong_types_on_content_writes(as_user, editor, section):
    client = as_user(editor)
    body = assert_error(
        client.post(
            f"/api/v1/sections/{section.pk}/items/", {"heading": 3, "colour": "red"}, format="json"
        ),
        400,
        "invalid",
    )
    assert "colour" in body["details"]
    assert not Item.objects.filter(section=section).exists()


def test_a_create_with_a_stale_section_etag_is_412(as_user, editor, section):
    client = as_user(editor)
    stale = etag(client, f"/api/v1/sections/{section.pk}/")
    client.post(
        f"/api/v1/sections/{section.pk}/items/",
        {"heading": "一"},
        format="json",
        HTTP_IF_MATCH=stale,
    )
    assert_error(
        client.post(
            f"/api/v1/sections/{section.pk}/items/",
            {"heading": "二"},
            format="json",
            HTTP_IF_MATCH=stale,
        ),
        412,
        "precondition_failed",
    )
    assert Item.objects.filter(section=section).count() == 1


# -- builds and interchange --------------------------------------------------------------


def test_builds_are_listed_per_policy_and_start_only_for_approved_reports(
    as_user, editor, reviewer, planning_head, section, report
):
    Build.objects.create(report=report, kind=Build.Kind.RELEASE, status=Build.Status.FAILED)
    assert as_user(editor).get("/api/v1/builds/").json()["count"] == 0
    rows = as_user(reviewer).get("/api/v1/builds/?fiscal_year=2024&status=failed").json()["results"]
    assert len(rows) == 1 and rows[0]["status_label"] == "失敗"
    assert_error(
        as_user(reviewer).post("/api/v1/reports/2024/build/", {}, format="json"), 403, "forbidden"
    )
    assert_error(
        as_user(planning_head).post("/api/v1/reports/2024/build/", {}, format="json"),
        409,
        "conflict",
    )
    assert_error(
        as_user(reviewer).post(f"/api/v1/builds/{rows[0]['id']}/retry/", {}, format="json"),
        403,
        "forbidden",
    )
    assert Build.objects.aggregate(n=Max("id"))["n"] == rows[0]["id"]


def test_export_for_reviewers_and_import_for_administrators(
    as_user, editor, reviewer, admin_user, section, report
):
    filled(section)
    assert_error(as_user(editor).get("/api/v1/reports/2024/export/"), 403, "forbidden")
    response = as_user(reviewer).get("/api/v1/reports/2024/export/")
    assert response.status_code == 200, response.content
    document = response.json()
    assert document["fiscal_year"] == 2024
    unknown = assert_error(
        as_user(reviewer).get("/api/v1/reports/2024/export/?department=nai"), 400, "invalid"
    )
    assert set(unknown["details"]) == {"department"}
    assert_error(
        as_user(reviewer).post("/api/v1/reports/import/", document, format="json"), 403, "forbidden"
    )
    admin = as_user(admin_user)
    document["fiscal_year"] = 2030
    response = admin.post("/api/v1/reports/import/?dry_run=1", document, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["dry_run"] is True
    assert not Section.objects.filter(report__fiscal_year=2030).exists()
    response = admin.post("/api/v1/reports/import/", document, format="json")
    assert response.status_code == 200 and response.json()["created_sections"] == [
        "shicho-koshitsu"
    ]
    assert Section.objects.filter(report__fiscal_year=2030).count() == 1
    body = assert_error(
        admin.post("/api/v1/reports/import/", {"fiscal_year": "x"}, format="json"), 400, "invalid"
    )
    assert all(key.startswith("/") for key in body["details"])
    assert_error(
        admin.post("/api/v1/reports/import/?dry_run=maybe", document, format="json"), 400, "invalid"
    )
