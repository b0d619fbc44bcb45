"""Two tabs on the same block (issue 16): the second save, made on what the first changed, is
refused with a Japanese message that shows what is saved now, keeps what the clerk typed in the
form and saves nothing; saving again, knowingly, puts the clerk's text on top."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports.models import Block
from reports.services import content as svc
from tests.browser.helpers import CHROMIUM, login_context, shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


@pytest.fixture
def text_block(transactional_db, section, editor):
    item = svc.item_create(section=section, user=editor, heading="広報活動")
    return svc.block_create(
        item=item, user=editor, kind="text", data={"paragraphs": ["最初の本文。"]}
    )


def _open(page, block) -> None:
    page.click(f"#block-{block.pk}-edit")
    page.wait_for_selector(f"#block-{block.pk} form.block-form")


def test_a_stale_second_tab_loses_nothing(browser, live_server, section, editor, text_block):
    block = text_block
    context = login_context(browser, live_server.url, editor)
    first, second = context.new_page(), context.new_page()
    for page in (first, second):
        page.set_default_timeout(10_000)
        page.goto(f"{live_server.url}/staff/sections/{section.pk}/")
        _open(page, block)

    area = f"#b{block.pk}-paragraphs"
    first.fill(area, "一つ目のタブで直した本文。")
    first.click(f"#block-{block.pk}-save")
    first.wait_for_selector(f"#block-{block.pk} .message--success")
    assert Block.objects.get(pk=block.pk).data["paragraphs"] == ["一つ目のタブで直した本文。"]

    # The second tab still holds the old version: typing with the keyboard, then saving.
    second.click(area)
    second.keyboard.press("Control+A")
    second.keyboard.type("二つ目のタブで書いた本文。")
    second.click(f"#block-{block.pk}-save")
    alert = second.wait_for_selector(f"#block-{block.pk} [role=alert]")
    message = alert.inner_text()
    assert "あなたが開いた後に" in message and "あなたの入力は消さずに残してあります" in message
    # Nothing was saved, and nothing the clerk typed was lost.
    assert Block.objects.get(pk=block.pk).data["paragraphs"] == ["一つ目のタブで直した本文。"]
    assert second.input_value(area) == "二つ目のタブで書いた本文。"
    assert "一つ目のタブで直した本文。" in message  # what is saved now, to compare with
    shot(second, "editor-stale-tab")

    # Having read the current text, the clerk saves again: their text is saved on top.
    second.click(f"#block-{block.pk}-save")
    second.wait_for_selector(f"#block-{block.pk} .message--success")
    assert Block.objects.get(pk=block.pk).data["paragraphs"] == ["二つ目のタブで書いた本文。"]
    context.close()


@pytest.fixture
def long_table(transactional_db, section, editor):
    item = svc.item_create(section=section, user=editor, heading="設置場所")
    return svc.block_create(
        item=item,
        user=editor,
        kind="table",
        data={
            "columns": [
                {"key": "place", "label": "配置場所", "type": "text"},
                {"key": "count", "label": "件数", "type": "integer"},
            ],
            "rows": [[f"場所{n}", n] for n in range(60)],
        },
    )


def test_a_long_grid_keeps_its_column_headings_in_view(
    browser, live_server, section, editor, long_table
):
    """Room to edit (issue 16): a 60-row grid scrolls in its frame under sticky headings."""
    block = long_table
    context = login_context(browser, live_server.url, editor)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/staff/sections/{section.pk}/?layout=hidden")
    _open(page, block)
    # The data grid: the one whose cells carry data-row.
    wrap = page.locator(f"#block-{block.pk} .grid-wrap").filter(has=page.locator("[data-row]"))
    heading = wrap.locator("thead th").first
    page.locator(f"#block-{block.pk} [data-row='59'][data-col='0']").scroll_into_view_if_needed()
    assert wrap.evaluate("el => el.scrollTop") > 0
    top_of_frame = wrap.bounding_box()["y"]
    assert abs(heading.bounding_box()["y"] - top_of_frame) < 2
    assert heading.is_visible()
    context.close()
