"""The issue's "done when": everything through HTTP with token headers, nothing else.

An editor logs in (token), fills the section, submits; the head forwards; a reviewer returns
it with a comment; the editor fixes and resubmits; the head forwards again; a reviewer
approves; the planning division's head approves the report; the assembly runs on commit
(eager Celery) and the published result is read anonymously from the public API. After every
stage the public API is crawled for text that exists only in drafts.
"""

from __future__ import annotations

import json

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from tests import factories
from tests.api.conftest import PASSWORD, assert_error
from tests.assembly.fixtures import eager_celery, media_root  # noqa: F401
from tests.otp import totp_code

pytestmark = pytest.mark.django_db(transaction=False)

DRAFT_ONLY = "下書きだけの文章ＸＹＺ"
RETURN_COMMENT = "表の数値を確認してください（差戻しの理由）"
PUBLISHED = "令和6年度は相談を561回受け付けた。"


def login(username: str) -> APIClient:
    """A token the way a tool gets one: password, and the app's code for a user with a second
    factor (reviewers, the planning division's head)."""
    client = APIClient()
    body = {"username": username, "password": PASSWORD, "name": "e2e"}
    if TOTPDevice.objects.filter(user__username=username, confirmed=True).exists():
        body["otp"] = totp_code(TOTPDevice.objects.get(user__username=username))
    response = client.post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == 201, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def public_texts(anon: APIClient) -> str:
    """Everything the public API serves, following its own links."""
    seen, out = set(), []
    queue = ["/api/v1/public/reports/"]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = anon.get(url)
        out.append(response.content.decode())
        if response.status_code != 200:
            continue
        body = response.json()
        for row in body.get("results", []):
            if isinstance(row, dict) and row.get("url", "").startswith("/api/"):
                queue.append(row["url"])
        for key in ("tables", "meetings"):
            if isinstance(body.get(key), str):
                queue.append(body[key])
        for dept in body.get("departments", []):
            queue.append(dept["url"])
    for year_url in ("/api/v1/public/reports/2024/",):
        out.append(anon.get(year_url).content.decode())
    return json.dumps(out, ensure_ascii=False) + "".join(out)


def assert_nothing_public(anon: APIClient) -> None:
    text = public_texts(anon)
    assert DRAFT_ONLY not in text
    assert RETURN_COMMENT not in text
    assert_error(anon.get("/api/v1/public/reports/2024/"), 404, "not_found")


def section_state(client, section_id) -> tuple[str, str]:
    response = client.get(f"/api/v1/sections/{section_id}/")
    assert response.status_code == 200, response.content
    return response.json()["state"], response["ETag"]


def test_the_whole_workflow_through_the_api(
    koshitsu, editor, head, reviewer, planning_head, report, django_capture_on_commit_callbacks
):
    anon = APIClient()
    section = factories.make_section(koshitsu, report)
    as_editor, as_head = login(editor.username), login(head.username)
    as_reviewer, as_planning_head = login(reviewer.username), login(planning_head.username)

    # 1. The editor finds the section as the issue writes the query, and fills it.
    listed = as_editor.get("/api/v1/sections/?fiscal_year=2024&department=shicho-koshitsu")
    assert [s["id"] for s in listed.json()["results"]] == [section.pk]
    sid = section.pk
    response = as_editor.post(
        f"/api/v1/sections/{sid}/items/", {"heading": "移住・定住相談"}, format="json"
    )
    assert response.status_code == 201, response.content
    item = response.json()
    response = as_editor.post(
        f"/api/v1/items/{item['id']}/blocks/",
        {"kind": "text", "data": {"paragraphs": [DRAFT_ONLY]}},
        format="json",
    )
    assert response.status_code == 201, response.content
    block = response.json()
    assert_nothing_public(anon)  # draft

    # 2. Submit (If-Match: the section's ETag); the head forwards.
    state, etag = section_state(as_editor, sid)
    assert state == "draft"
    response = as_editor.post(
        f"/api/v1/sections/{sid}/submit/", {}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "awaiting_head"
    etag = response["ETag"]
    response = as_head.post(
        f"/api/v1/sections/{sid}/forward/", {}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "in_review"
    assert_nothing_public(anon)  # in review

    # 3. The reviewer returns it with a comment pinned to the item too.
    etag = response["ETag"]
    assert_error(
        as_reviewer.post(f"/api/v1/sections/{sid}/return/", {}, format="json", HTTP_IF_MATCH=etag),
        400,
        "invalid",
    )
    response = as_reviewer.post(
        f"/api/v1/sections/{sid}/return/",
        {
            "comment": RETURN_COMMENT,
            "pinned": [{"item": item["uid"], "comment": "この見出しの本文を直してください"}],
        },
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "returned"
    assert_nothing_public(anon)  # returned with a comment

    # 4. The editor reads the comments, fixes the text, marks them done and resubmits.
    comments = as_editor.get(f"/api/v1/comments/?section={sid}").json()["results"]
    assert {c["body"] for c in comments} >= {RETURN_COMMENT}
    block_now = as_editor.get(f"/api/v1/blocks/{block['id']}/")
    response = as_editor.patch(
        f"/api/v1/blocks/{block['id']}/",
        {"data": {"paragraphs": [PUBLISHED]}},
        format="json",
        HTTP_IF_MATCH=block_now["ETag"],
    )
    assert response.status_code == 200, response.content
    for comment in comments:
        resolved = as_editor.post(
            f"/api/v1/comments/{comment['id']}/resolve/", {"resolved": True}, format="json"
        )
        assert resolved.status_code == 200, resolved.content
        assert resolved.json()["resolved_at"]
    _, etag = section_state(as_editor, sid)
    response = as_editor.post(
        f"/api/v1/sections/{sid}/submit/", {}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200, response.content
    response = as_head.post(
        f"/api/v1/sections/{sid}/forward/", {}, format="json", HTTP_IF_MATCH=response["ETag"]
    )
    assert response.status_code == 200, response.content

    # 5. A reviewer approves the section; the report is approved-not-yet-built.
    response = as_reviewer.post(
        f"/api/v1/sections/{sid}/approve/", {}, format="json", HTTP_IF_MATCH=response["ETag"]
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "approved"
    assert_nothing_public(anon)  # approved, report not approved, nothing built

    # 6. The planning division's head approves the report; the build runs on commit.
    report_etag = as_planning_head.get("/api/v1/reports/2024/")["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        response = as_planning_head.post(
            "/api/v1/reports/2024/approve/", {}, format="json", HTTP_IF_MATCH=report_etag
        )
    assert response.status_code == 200, response.content
    assert response.json()["state"] in {"approved", "published"}
    builds = as_planning_head.get("/api/v1/builds/?fiscal_year=2024").json()["results"]
    assert builds and builds[0]["status"] == "succeeded", builds
    assert builds[0]["published_at"] and builds[0]["files"]["data/index.json"]["sha256"]

    # 7. The published result, anonymously, with its caching headers.
    years = anon.get("/api/v1/public/reports/").json()
    assert [y["fiscal_year"] for y in years["results"]] == [2024]
    toc = anon.get("/api/v1/public/reports/2024/")
    assert toc.status_code == 200, toc.content
    assert "public" in toc["Cache-Control"] and toc["Last-Modified"] and toc["ETag"]
    assert [d["code"] for d in toc.json()["departments"]] == ["shicho-koshitsu"]
    assert (
        anon.get("/api/v1/public/reports/2024/", HTTP_IF_NONE_MATCH=toc["ETag"]).status_code == 304
    )
    dept = anon.get("/api/v1/public/reports/2024/departments/shicho-koshitsu/")
    assert dept.status_code == 200, dept.content
    first = dept.json()["items"][0]
    assert first["number"] == "１" and first["heading"] == "移住・定住相談"
    assert first["blocks"][0]["data"]["paragraphs"] == [PUBLISHED]
    text = public_texts(anon)
    assert PUBLISHED in text
    assert DRAFT_ONLY not in text and RETURN_COMMENT not in text

    # 8. Reopened for a correction with new draft text: the public still sees edition 1.
    _, etag = section_state(as_planning_head, sid)
    response = as_planning_head.post(
        f"/api/v1/sections/{sid}/reopen/",
        {"reason": "数値の訂正"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.content
    block_now = as_editor.get(f"/api/v1/blocks/{block['id']}/")
    response = as_editor.patch(
        f"/api/v1/blocks/{block['id']}/",
        {"data": {"paragraphs": [DRAFT_ONLY]}},
        format="json",
        HTTP_IF_MATCH=block_now["ETag"],
    )
    assert response.status_code == 200, response.content
    text = public_texts(anon)
    assert PUBLISHED in text and DRAFT_ONLY not in text
    assert anon.get("/api/v1/public/reports/2024/").json()["edition"] == 1
