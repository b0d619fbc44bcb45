"""Search as a citizen types it (issue 16, defect 4), in a browser on the published FY2024
demo: a figure typed without commas, half-width katakana and the form's own example all find
something, and each result names its department and its item's whole path (１（２）ア)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.browser.helpers import CHROMIUM, _axe, shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


@pytest.fixture
def demo(transactional_db, settings, tmp_path, eager_celery):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", "--force")


def _search(page, base: str, text: str) -> str:
    page.goto(f"{base}/search/")
    page.get_by_label("報告書の本文を検索").first.fill("")
    page.get_by_label("報告書の本文を検索").first.focus()
    page.keyboard.type(text)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    return page.inner_text("main")


def test_a_citizen_finds_figures_kana_and_the_example(browser, live_server, demo):
    context = browser.new_context(
        bypass_csp=True, locale="ja-JP", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    base = live_server.url

    page.goto(f"{base}/search/")
    example = re.search(r"例：([^）]+)）", page.inner_text("main"))[1]
    for query in ("4812198", "ﾀｳﾝﾐｰﾃｨﾝｸﾞ", example):
        text = _search(page, base, query)
        assert "見つかりませんでした" not in text, query
        assert re.search(r"[0-9]+件見つかりました", text), (query, text[:300])

    text = _search(page, base, "会議")
    assert re.search(r"[０-９]+（[０-９]+）[ア-ン]", text), "a nested item's whole path"
    assert "企画政策課" in text
    assert _axe(page) == []
    shot(page, "public-search-results")
    context.close()
