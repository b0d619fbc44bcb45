"""NUL bytes, lone surrogates and control characters are refused at the edge, in Japanese.

They used to reach the database: PostgreSQL refuses NUL in text ("PostgreSQL text fields cannot
contain NUL") and in jsonb ("unsupported Unicode escape sequence"), a lone surrogate cannot be
encoded at all, and the other C0 controls broke the .xlsx export later. Each answered 500 in the
editor, the API, the import or the public search. Now every entry point refuses them with 400,
a message naming the character and the field, and nothing saved.
"""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from akiruno.inputs import forbidden_char
from reports.models import AnnualReport, Block, Item, SectionRevision
from reports.services import content as svc
from tests.interchange.test_views import DEMO
from tests.reports.test_editor_views import table_block, table_post

HX = {"HTTP_HX_REQUEST": "true"}
BAD = ["\x00", "\x1b", "\x08", "\ufffe"]


@pytest.fixture
def staff(client, editor):
    client.force_login(editor)
    client.raise_request_exception = False
    return client


@pytest.fixture
def api(editor):
    client = APIClient()
    client.force_authenticate(editor)
    client.raise_request_exception = False
    return client


@pytest.fixture
def text_block(section, editor):
    item = svc.item_create(section=section, user=editor, heading="見出し")
    section.refresh_from_db()
    return svc.block_create(
        item=item, user=editor, kind="text", data={"paragraphs": ["もとの本文"]}
    )


def _unchanged(block: Block, revisions: int) -> None:
    stored = Block.objects.get(pk=block.pk)
    assert stored.data == block.data and stored.version == block.version
    assert SectionRevision.objects.count() == revisions


def test_finding_the_place_of_a_forbidden_character():
    assert forbidden_char({"a": ["ok", {"b": "x\x00y"}]}) == ("/a/1/b", "\x00")
    assert forbidden_char(["ok", "改行\nとタブ\tと復帰\r"]) is None
    assert forbidden_char({"k\x01": 1}) == ("/k?", "\x01")
    assert forbidden_char("\ud800") == ("/", "\ud800")


@pytest.mark.parametrize("char", BAD)
def test_paragraph_through_the_form_is_refused(staff, text_block, char):
    revisions = SectionRevision.objects.count()
    response = staff.post(
        reverse("block-update", args=[text_block.pk]),
        {"version": text_block.version, "op": "save", "paragraphs": f"本文{char}です"},
        **HX,
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "使えない文字" in html and "「本文」" in html and f"U+{ord(char):04X}" in html
    _unchanged(text_block, revisions)


def test_heading_through_the_form_is_refused(staff, section, editor):
    item = svc.item_create(section=section, user=editor, heading="見出し")
    response = staff.post(
        reverse("item-update", args=[item.pk]),
        {"version": item.version, "heading": "見\x00出し"},
        **HX,
    )
    assert response.status_code == 400
    assert "NUL 文字（U+0000）" in response.content.decode()
    assert Item.objects.get(pk=item.pk).heading == "見出し"


def test_table_cell_through_the_form_is_refused_naming_the_cell(staff, section, editor):
    block = table_block(section, editor)
    revisions = SectionRevision.objects.count()
    response = staff.post(
        reverse("block-update", args=[block.pk]), table_post(block, [["秋川\x00駅", "3"]]), **HX
    )
    assert response.status_code == 400
    assert "表の1行目・1列目" in response.content.decode()
    _unchanged(block, revisions)


@pytest.mark.parametrize("char", ["\x00", "\ud800", "\udfff", "\x1f"])
def test_api_body_is_refused_naming_the_place(api, text_block, char):
    revisions = SectionRevision.objects.count()
    body = json.dumps({"data": {"paragraphs": ["正しい", f"本文{char}"]}})
    response = api.patch(
        f"/api/v1/blocks/{text_block.pk}/",
        body,
        content_type="application/json",
        HTTP_IF_MATCH=f'"v{text_block.version}"',
    )
    assert response.status_code == 400, response.content
    payload = response.json()
    assert payload["code"] == "invalid"
    assert "使えない文字" in payload["message"]
    assert list(payload["details"]) == ["/data/paragraphs/1"]
    _unchanged(text_block, revisions)


def test_api_table_cell_with_escaped_nul_is_refused(api, section, editor):
    block = table_block(section, editor)
    revisions = SectionRevision.objects.count()
    data = dict(block.data, rows=[{"place": "秋川\u0000駅", "count": 3}])
    response = api.patch(
        f"/api/v1/blocks/{block.pk}/",
        {"data": data},
        format="json",
        HTTP_IF_MATCH=f'"v{block.version}"',
    )
    assert response.status_code == 400
    assert "/data/rows/0/place" in response.json()["details"]
    _unchanged(block, revisions)


@pytest.mark.parametrize("query", ["%00", "abc%00def", "%1B%5B31m", "%EF%BF%BE"])
def test_public_search_query_is_refused(client, db, query):
    client.raise_request_exception = False
    response = client.get(f"/search/?q={query}")
    assert response.status_code == 400
    html = response.content.decode()
    assert "検索語" in html and "使えない文字" in html
    assert response["Content-Security-Policy"]  # the refusal still carries the headers


def test_public_search_with_invalid_utf8_is_not_an_error(client, db):
    # Invalid UTF-8 in a query string is decoded with replacement characters: a plain search.
    response = client.get("/search/?q=%ED%A0%80%FF")
    assert response.status_code == 200


def test_api_query_string_is_refused_in_json(api, section):
    response = api.get("/api/v1/sections/?department=a%00b")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize("char", ["\x00", "\ud800", "\x07"])
def test_imported_file_is_refused_naming_the_place(client, admin_user, char):
    client.force_login(admin_user)
    client.raise_request_exception = False
    document = json.loads(DEMO.read_text(encoding="utf-8"))
    document["sections"][0]["items"][0]["heading"] = f"見{char}出し"
    body = json.dumps(document, ensure_ascii=True).encode()  # "\\u0000" escapes, valid JSON
    upload = SimpleUploadedFile("fy.json", body, content_type="application/json")
    response = client.post("/staff/import/", {"file": upload})
    assert response.status_code == 400
    html = response.content.decode()
    assert "/sections/0/items/0/heading" in html and "使えない文字" in html
    assert not AnnualReport.objects.exists()


def test_api_import_is_refused_naming_the_place(admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    document = json.loads(DEMO.read_text(encoding="utf-8"))
    document["report"]["title"] = "令和6年度\u0000事務報告書"
    response = client.post("/api/v1/reports/import/", document, format="json")
    assert response.status_code == 400
    assert "/report/title" in response.json()["details"]
    assert not AnnualReport.objects.exists()
