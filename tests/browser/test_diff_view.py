"""The review page's diff, in a browser: compact (no blank gap between lines), the changed
figure marked in place, unchanged context folded, old and new side by side on a wide screen,
one list on a narrow one; axe finds nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports.services import workflow
from tests.browser.helpers import CHROMIUM, _axe, login_context, shot
from tests.workflow.helpers import advance, fill

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


@pytest.fixture
def returned_and_resubmitted(transactional_db, section, editor, head, reviewer):
    items = fill(section)
    advance(section, "returned", editor=editor, head=head, reviewer=reviewer)
    block = items["first"].blocks.get()
    block.data = {"paragraphs": ["「広報あきる野」を月２回、計２４号発行した。"]}
    block.save()
    workflow.section_submit(section=section, user=editor)
    workflow.section_forward(section=section, user=head)
    return section


def test_the_diff_is_compact_and_side_by_side_on_wide_screens(
    browser, live_server, returned_and_resubmitted, reviewer
):
    section = returned_and_resubmitted
    url = f"{live_server.url}/staff/sections/{section.pk}/review/?compare=returned"
    context = login_context(browser, live_server.url, reviewer)
    page = context.new_page()
    page.set_default_timeout(10_000)

    page.goto(url)
    assert page.is_visible("table.diff-side") and not page.is_visible("ol.diff-lines--unified")
    assert page.inner_text("table.diff-side ins") == "、計２４号"
    row = page.locator("table.diff-side tbody tr").filter(has=page.locator("ins")).first
    assert "削除" in row.locator("td").nth(0).inner_text()
    assert _axe(page) == []
    page.locator("#diff-heading").scroll_into_view_if_needed()
    shot(page, "review-diff-wide")

    page.set_viewport_size({"width": 800, "height": 900})
    assert page.is_visible("ol.diff-lines--unified") and not page.is_visible("table.diff-side")
    heights = page.eval_on_selector_all(
        "ol.diff-lines--unified > li", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    line = page.eval_on_selector(
        "ol.diff-lines--unified", "e => parseFloat(getComputedStyle(e).lineHeight)"
    )
    # One line of text a line of the diff: no blank gap (was 3 lines high with pre-wrap).
    assert heights and max(heights) < 2 * line, heights
    assert _axe(page) == []
    shot(page, "review-diff-narrow")
    context.close()
