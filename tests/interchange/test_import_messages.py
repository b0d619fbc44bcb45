"""Every refusal of an import is Japanese, names the place (JSON pointer and the human path:
課, item number, block, row, column) and the rule; never a dump, never a validator's English;
and nothing in the database changes. The same in the command, the upload page and the API."""

import copy
import json
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from akiruno.exceptions import InvalidInput
from finance.models import Account
from meetings.models import MeetingBody, MeetingSession
from reports.models import AnnualReport, Block, ImportRecord, Item, Section
from reports.services.interchange import canonical_json, export_report, import_report

DEMO = Path(__file__).resolve().parents[2] / "demo" / "fy2024.json"
ENGLISH = re.compile(
    r"is not|is a required|was unexpected|were unexpected|should be|does not match|"
    r"is less than|is greater than|Additional properties|Unevaluated|valid under|"
    r"is too (long|short)|expected to be|Expecting|line \d+ column"
)


@pytest.fixture
def demo_document():
    return json.loads(DEMO.read_text(encoding="utf-8"))


def _state() -> tuple:
    return (
        canonical_json(export_report(fiscal_year=2024))
        if AnnualReport.objects.filter(fiscal_year=2024).exists()
        else None,
        *(
            m.objects.count()
            for m in (AnnualReport, Section, Item, Block, MeetingBody, MeetingSession, Account)
        ),
        ImportRecord.objects.count(),
    )


def _table(document: dict) -> dict:
    section = next(s for s in document["sections"] if s["department"] == "kikaku-seisaku")
    return section["items"][2]["blocks"][1]


def _chain(depth: int) -> dict:
    item = {"heading": "最上位", "blocks": [], "children": []}
    current = item
    for _ in range(depth - 1):
        child = {"heading": "下位", "blocks": [], "children": []}
        current["children"].append(child)
        current = child
    return item


def _set(path, value):
    def change(document):
        node = document
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


def _delete(path):
    def change(document):
        node = document
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return change


def _integer_cell(document):
    _table(document)["data"]["rows"][0]["senketsu"] = "たくさん"


def _too_deep(document):
    document["sections"][1]["items"].append(_chain(7))


def _too_many_siblings(document):
    document["sections"][1]["items"][0]["children"] = [
        {
            "heading": "第２階層",
            "blocks": [],
            "children": [{"heading": f"項目{i}", "blocks": [], "children": []} for i in range(47)],
        }
    ]


# (name, change, pointer, words the message must hold)
CASES = [
    (
        "wrong type",
        _set(["fiscal_year"], "2024"),
        "/fiscal_year",
        ["年度", "整数で書いてください", "文字列「2024」"],
    ),
    (
        "missing required key",
        _delete(["sections", 1, "items", 0, "heading"]),
        "/sections/1/items/0",
        ["市長公室 １", "必須の項目「heading」（見出し）がありません"],
    ),
    (
        "unknown key",
        _set(["sections", 1, "items", 0, "colour"], "赤"),
        "/sections/1/items/0",
        ["市長公室 １「会議への出席状況」", "「colour」という項目はこの場所にはありません"],
    ),
    (
        "bad enum",
        _set(["departments", 0, "kind"], "han"),
        "/departments/0/kind",
        ["課の一覧 1件目（kikaku-seisaku） 種類", "「han」は使えません", "bu、ka、kakari"],
    ),
    (
        "out-of-range number",
        _set(["meetings", "bodies", 2, "sessions", 0, "attendance"], -3),
        "/meetings/bodies/2/sessions/0/attendance",
        ["会議体「市税等徴収状況報告会」 1件目の会議（2024-06-04） 出席者数", "0 以上"],
    ),
    (
        "bad date",
        _set(["report", "deadline"], "2025/05/30"),
        "/report/deadline",
        ["提出期限", "YYYY-MM-DD", "「2025/05/30」"],
    ),
    (
        "empty heading",
        _set(["sections", 1, "items", 1, "heading"], ""),
        "/sections/1/items/1/heading",
        ["市長公室 ２ 見出し", "空にはできません"],
    ),
    (
        "seven levels of items",
        _too_deep,
        "/sections/1/items/17/children/0/children/0/children/0/children/0/children/0/children",
        ["市長公室 18（１）ア（ア）ａ（ａ）「下位」", "6段", "7段目の項目は置けません"],
    ),
    (
        "more items than the numbering has",
        _too_many_siblings,
        "/sections/1/items/0/children/0/children",
        ["市長公室 １（１）「第２階層」", "第3階層の見出しは46個（ア～ン）まで"],
    ),
    (
        "text in a number cell",
        _integer_cell,
        "/sections/0/items/2/blocks/1/data/rows/0/senketsu",
        [
            "企画政策課 ３「市議会関係」 第2ブロック（表「市長提出案件数」） 1行目",
            "列「専決」",
            "「たくさん」は数値として読めません",
        ],
    ),
    (
        "unknown block kind",
        _set(["sections", 0, "items", 2, "blocks", 1, "kind"], "video"),
        "/sections/0/items/2/blocks/1/kind",
        ["企画政策課 ３「市議会関係」 第2ブロック", "「video」は使えません"],
    ),
    (
        "finance cell of the wrong type",
        _set(["finance", "accounts", 0, "parts", 0, "lines", 0, "settlement"], "x"),
        "/finance/accounts/0/parts/0/lines/0/settlement",
        ["会計「国民健康保険特別会計」 歳入 1行目「国民健康保険税」 決算額", "整数かnull"],
    ),
    (
        "comparison row with a formula and figures",
        _set(["finance", "comparisons", 0, "rows", 0, "formula"], "ア+イ"),
        "/finance/comparisons/0/rows/0",
        ["年度比較表「地方交付税年度比較表」 1行目「基準財政需要額」", "式（formula）のある行"],
    ),
    (
        "section list as an object",
        _set(["sections"], {"a": 1}),
        "/sections",
        ["課別報告", "配列（[…]）で書いてください", "いまはオブジェクト"],
    ),
]


@pytest.fixture
def imported(admin_user, demo_document):
    import_report(copy.deepcopy(demo_document), user=admin_user)
    return _state()


def _check(details: dict, pointer: str, words: list[str]) -> str:
    assert pointer in details, details
    message = details[pointer]
    for word in words:
        assert word in message, message
    for text in details.values():
        assert not ENGLISH.search(text), text
        assert "{'" not in text and "['" not in text, text  # never a dump of the object
        assert re.search(r"[ぁ-んァ-ヶ一-龠]", text), text
    return message


@pytest.mark.parametrize("name,change,pointer,words", CASES, ids=[c[0] for c in CASES])
def test_service_refusals_name_the_place_and_the_rule(
    admin_user, demo_document, imported, name, change, pointer, words
):
    document = copy.deepcopy(demo_document)
    change(document)
    with pytest.raises(InvalidInput) as refused:
        import_report(document, user=admin_user, replace=True)
    assert "何も取り込んでいません" in refused.value.message
    _check(refused.value.details, pointer, words)
    assert _state() == imported


@pytest.mark.parametrize("name,change,pointer,words", CASES[::3], ids=[c[0] for c in CASES[::3]])
def test_the_command_prints_pointer_place_and_rule(
    admin_user, demo_document, imported, tmp_path, name, change, pointer, words
):
    document = copy.deepcopy(demo_document)
    change(document)
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("import_report", str(source), "--replace")
    text = str(refused.value)
    line = next(line for line in text.splitlines() if line.strip().startswith(pointer + ":"))
    for word in words:
        assert word in line, line
    assert not ENGLISH.search(text), text
    assert _state() == imported


@pytest.mark.parametrize("name,change,pointer,words", CASES[1::3], ids=[c[0] for c in CASES[1::3]])
def test_the_upload_page_lists_pointer_place_and_rule(
    client, admin_user, demo_document, imported, name, change, pointer, words
):
    client.force_login(admin_user)
    document = copy.deepcopy(demo_document)
    change(document)
    body = json.dumps(document, ensure_ascii=False).encode()
    response = client.post(
        "/staff/import/",
        {"file": SimpleUploadedFile("bad.json", body), "replace": "on"},
    )
    assert response.status_code == 400
    _check(response.context["errors"], pointer, words)
    html = response.content.decode()
    assert f"<code>{pointer}</code>" in html
    assert _state() == imported


@pytest.mark.parametrize("name,change,pointer,words", CASES[2::3], ids=[c[0] for c in CASES[2::3]])
def test_the_api_answers_pointer_place_and_rule(
    admin_user, demo_document, imported, name, change, pointer, words
):
    api = APIClient()
    api.force_authenticate(admin_user)
    document = copy.deepcopy(demo_document)
    change(document)
    response = api.post("/api/v1/reports/import/?replace=1", document, format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert "何も取り込んでいません" in body["message"]
    _check(body["details"], pointer, words)
    assert _state() == imported


@pytest.mark.parametrize(
    "raw,words",
    [
        (b"{not json", ["1行2文字目", "項目名は二重引用符"]),
        (b'{"a": 1,\n "b": }', ["2行7文字目", "値がありません"]),
        (b"\xff\xfe{}", ["UTF-8 の文字として読めません"]),
    ],
)
def test_broken_json_is_worded_in_japanese(admin_user, client, tmp_path, raw, words):
    source = tmp_path / "broken.json"
    source.write_bytes(raw)
    with pytest.raises(CommandError) as refused:
        call_command("import_report", str(source))
    client.force_login(admin_user)
    response = client.post("/staff/import/", {"file": SimpleUploadedFile("b.json", raw)})
    for text in (str(refused.value), response.context["errors"]["file"]):
        for word in words:
            assert word in text, text
        assert not ENGLISH.search(text), text
    assert not AnnualReport.objects.exists() and not ImportRecord.objects.exists()


@pytest.mark.parametrize("char", ["\ud800", "\x07"])
def test_the_place_of_an_unprintable_character_is_still_printable(admin_user, client, char):
    document = json.loads(DEMO.read_text(encoding="utf-8"))
    document["sections"][0]["items"][0]["heading"] = f"見{char}出し"
    document["sections"][0]["items"][0]["children"] = [{"heading": 3, "blocks": [], "children": []}]
    with pytest.raises(InvalidInput) as refused:
        import_report(document, user=admin_user)
    for text in refused.value.details.values():
        text.encode("utf-8")  # no lone surrogate in a message
        assert char not in text
    client.force_login(admin_user)
    body = json.dumps(document, ensure_ascii=True).encode()
    response = client.post("/staff/import/", {"file": SimpleUploadedFile("fy.json", body)})
    assert response.status_code == 400
    assert not AnnualReport.objects.exists()
