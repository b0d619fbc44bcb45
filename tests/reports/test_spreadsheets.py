"""Spreadsheets: download a table, upload a sheet into it, paste cells copied from Excel."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from akiruno.exceptions import InvalidInput
from reports import spreadsheets
from reports.models import Block, SectionRevision
from reports.services import content as svc

COLUMNS = [
    {"key": "place", "label": "配置場所", "type": "text"},
    {"key": "count", "label": "件数", "type": "integer"},
]


def xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def block(section, editor):
    item = svc.item_create(section=section, user=editor, heading="設置場所別")
    return svc.block_create(
        item=item,
        user=editor,
        kind="table",
        data={"columns": COLUMNS, "rows": [["秋川駅", 22]], "summary": [{"op": "sum"}]},
    )


def test_pasted_cells_keep_quoted_line_breaks():
    rows = spreadsheets.parse_pasted('a\t1\r\n"two\nlines"\t2\r\n\r\n')
    assert rows == [["a", "1"], ["two\nlines", "2"]]


def test_fit_to_columns_skips_a_header_and_names_wrong_rows():
    rows, skipped = spreadsheets.fit_to_columns([["配置場所", "件数"], ["a", 1]], COLUMNS)
    assert skipped and rows == [["a", 1]]
    with pytest.raises(InvalidInput) as exc:
        spreadsheets.fit_to_columns([["a", 1], ["b"], ["c", 1, 2]], COLUMNS)
    assert set(exc.value.details) == {"/rows/1", "/rows/2"}
    assert "セルの数が1個" in exc.value.details["/rows/1"]


def test_download_has_typed_values_and_total(client, editor, block):
    client.force_login(editor)
    response = client.get(reverse("block-xlsx", args=[block.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("配置場所", "件数")
    assert values[1] == ("秋川駅", 22)
    assert values[2] == ("合計", 22)


def test_upload_replaces_rows(client, editor, block):
    client.force_login(editor)
    payload = xlsx([["配置場所", "件数"], ["秋川駅", 22], ["東秋留駅", 3.0], ["武蔵引田駅", "５"]])
    response = client.post(
        reverse("block-xlsx-upload", args=[block.pk]),
        {"file": SimpleUploadedFile("posts.xlsx", payload), "mode": "replace", "version": 1},
    )
    assert response.status_code == 302
    block.refresh_from_db()
    assert block.data["rows"] == [
        {"place": "秋川駅", "count": 22},
        {"place": "東秋留駅", "count": 3},
        {"place": "武蔵引田駅", "count": 5},
    ]
    assert "posts.xlsx" in SectionRevision.objects.first().summary


@pytest.mark.parametrize(
    ("name", "payload", "message"),
    [
        (
            "notes.xlsx",
            b"this is plain text, not a workbook",
            "Excel ブック（.xlsx）ではありません",
        ),
        ("old.xls", b"\xd0\xcf\x11\xe0 old format", ".xlsx ファイルではありません"),
        ("bad.xlsx", b"PK\x03\x04broken zip", "ではありません"),
    ],
)
def test_upload_refuses_what_is_not_a_spreadsheet(client, editor, block, name, payload, message):
    client.force_login(editor)
    response = client.post(
        reverse("block-xlsx-upload", args=[block.pk]),
        {"file": SimpleUploadedFile(name, payload), "version": 1},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    block.refresh_from_db()
    assert block.data["rows"] == [{"place": "秋川駅", "count": 22}]


def test_upload_refuses_a_50_mb_file_before_reading_it(client, editor, block):
    client.force_login(editor)
    big = SimpleUploadedFile("big.xlsx", b"PK\x03\x04" + b"0" * (50 * 1024 * 1024))
    response = client.post(
        reverse("block-xlsx-upload", args=[block.pk]),
        {"file": big, "version": 1},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert "ファイルが大きすぎます（50.0 MB）" in response.content.decode()
    block.refresh_from_db()
    assert len(block.data["rows"]) == 1


def test_upload_with_bad_cells_saves_nothing(client, editor, block):
    client.force_login(editor)
    payload = xlsx([["秋川駅", 22], ["東秋留駅", "多い"], ["余分", 1, "x"]])
    response = client.post(
        reverse("block-xlsx-upload", args=[block.pk]),
        {"file": SimpleUploadedFile("p.xlsx", payload), "version": 1},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert "3行目のセルの数" in response.content.decode()
    assert Block.objects.get(pk=block.pk).data["rows"] == [{"place": "秋川駅", "count": 22}]


def test_upload_by_another_department_is_not_found(client, other_editor, block):
    client.force_login(other_editor)
    response = client.post(
        reverse("block-xlsx-upload", args=[block.pk]),
        {"file": SimpleUploadedFile("p.xlsx", xlsx([["x", 1]])), "version": 1},
    )
    assert response.status_code == 404
