"""Reading a table from Excel in the browser (issue 16): the clerk picks an .xlsx in the
block's form and it replaces the rows; a file that is not a workbook is refused in Japanese
and nothing changes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from reports.models import Block
from reports.services import content as svc
from tests.browser.helpers import CHROMIUM, _axe, login_context, shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


@pytest.fixture
def table(transactional_db, section, editor):
    item = svc.item_create(section=section, user=editor, heading="ポストの設置場所")
    return svc.block_create(
        item=item,
        user=editor,
        kind="table",
        data={
            "columns": [
                {"key": "place", "label": "配置場所", "type": "text"},
                {"key": "count", "label": "件数", "type": "integer"},
            ],
            "rows": [["秋川駅", 22]],
        },
    )


def _workbook(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_clerk_reads_a_table_from_excel(browser, live_server, section, editor, table, tmp_path):
    good = tmp_path / "ポスト.xlsx"
    good.write_bytes(_workbook([["配置場所", "件数"], ["東秋留駅", 3], ["武蔵引田駅", "５"]]))
    fake = tmp_path / "写真.xlsx"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)

    context = login_context(browser, live_server.url, editor)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/staff/sections/{section.pk}/")
    page.click(f"#block-{table.pk}-edit")
    page.wait_for_selector(f"#block-{table.pk} form.block-form")

    # Not a workbook: refused, named, nothing saved.
    page.click(f"#block-{table.pk} details.ed-upload summary")
    page.set_input_files(f"#file-{table.pk}", str(fake))
    page.click(f"#block-{table.pk} button:has-text('読み込んで保存')")
    alert = page.wait_for_selector(
        f"#block-{table.pk} [role=alert], #block-{table.pk} .field-error"
    )
    assert "ではありません" in alert.inner_text()
    assert Block.objects.get(pk=table.pk).data["rows"] == [{"place": "秋川駅", "count": 22}]

    # A workbook: its rows replace the table's, the full-width ５ read as 5.
    if not page.is_visible(f"#file-{table.pk}"):
        page.click(f"#block-{table.pk} details.ed-upload summary")
    page.set_input_files(f"#file-{table.pk}", str(good))
    page.click(f"#block-{table.pk} button:has-text('読み込んで保存')")
    page.wait_for_selector(f"#block-{table.pk} .message--success")
    assert Block.objects.get(pk=table.pk).data["rows"] == [
        {"place": "東秋留駅", "count": 3},
        {"place": "武蔵引田駅", "count": 5},
    ]
    assert _axe(page) == []
    shot(page, "editor-after-upload")
    context.close()
