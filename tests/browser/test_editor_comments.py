"""The clerk's side of a return, in a browser (issue 16): the editor shows each pinned comment
under its item, the clerk marks it addressed with the keyboard without leaving the editor, the
reviewer's queue and a build's own progress page read well; axe finds nothing on any of them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reports.models import ReviewComment
from reports.services import workflow
from tests.browser.helpers import CHROMIUM, _axe, login_context, shot
from tests.workflow.helpers import advance, fill

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


@pytest.fixture
def returned(transactional_db, section, editor, head, reviewer):
    items = fill(section)
    advance(section, "in_review", editor=editor, head=head, reviewer=reviewer)
    workflow.section_return(
        section=section,
        user=reviewer,
        comment="全般：表記を統一してください。",
        pinned=[{"item": str(items["first"].uid), "comment": "発行回数の根拠を追記してください。"}],
    )
    return section


def test_the_clerk_addresses_a_pinned_comment_from_the_editor(
    browser, live_server, returned, editor
):
    comment = ReviewComment.objects.get(body="発行回数の根拠を追記してください。")
    context = login_context(browser, live_server.url, editor)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/staff/sections/{returned.pk}/")

    assert "未対応 2件／2件" in page.inner_text("#editor-comments-heading")
    pinned = page.locator(f".ed-item #comment-{comment.pk}")
    assert pinned.is_visible() and "発行回数の根拠" in pinned.inner_text()
    assert _axe(page) == []
    shot(page, "editor-comments")

    # Keyboard only: focus the comment's button and press Enter.
    button = pinned.locator("button")
    assert re.match(
        r"^対応済みにする（.*広報活動.*のコメント）$", button.inner_text().replace("\n", "")
    )
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/staff/sections/{returned.pk}/#comment-{comment.pk}")
    assert "未対応 1件／2件" in page.inner_text("#editor-comments-heading")
    assert "対応済み" in page.locator(f".ed-item #comment-{comment.pk}").inner_text()
    comment.refresh_from_db()
    assert comment.is_resolved and comment.resolved_by == editor
    context.close()


def test_the_review_queue_reads_well(browser, live_server, returned, editor, head, reviewer):
    workflow.section_submit(section=returned, user=editor)
    workflow.section_forward(section=returned, user=head)
    context = login_context(browser, live_server.url, reviewer)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/staff/review/")
    queue = page.locator("table.review-queue")
    assert "2回目" in queue.inner_text() and "市長公室" in queue.inner_text()
    assert _axe(page) == []
    shot(page, "review-queue")
    context.close()


def test_a_comment_pinned_to_a_cell_marks_that_cell_in_the_open_form(
    browser, live_server, transactional_db, section, editor, head, reviewer
):
    items = fill(section)
    table = items["table"]
    advance(section, "in_review", editor=editor, head=head, reviewer=reviewer)
    workflow.section_return(
        section=section,
        user=reviewer,
        comment="表の誤りを直してください。",
        pinned=[
            {
                "item": str(items["child"].uid),
                "block": str(table.uid),
                "table": 0,
                "row": 2,
                "column": "topic",
                "comment": "研修会の正式名称に直してください。",
            }
        ],
    )
    comment = ReviewComment.objects.get(body="研修会の正式名称に直してください。")
    context = login_context(browser, live_server.url, editor)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/staff/sections/{section.pk}/")
    assert "ed-block--commented" in page.get_attribute(f"#block-{table.pk}", "class")
    page.click(f"#block-{table.pk}-edit")
    page.wait_for_selector(f"#block-{table.pk} form.block-form")
    cell = page.locator(f"#block-{table.pk} [data-row='1'][data-col='1']")
    cell.wait_for()
    page.wait_for_function(
        "sel => document.querySelector(sel).classList.contains('cell--pinned')",
        arg=f"#block-{table.pk} [data-row='1'][data-col='1']",
    )
    assert cell.get_attribute("aria-describedby").split()[-1] == f"comment-{comment.pk}"
    assert cell.input_value() == "研修会"
    # Only that cell: its neighbours are not marked.
    assert page.locator(f"#block-{table.pk} .cell--pinned").count() == 1
    assert _axe(page) == []
    shot(page, "editor-pinned-cell")
    context.close()
