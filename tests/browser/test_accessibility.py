"""Accessibility of the public site (JIS X 8341-3:2016 AA as far as a machine can check):
axe-core with the wcag2a and wcag2aa tags reports no violation on any public page type, in
Debian's Chromium driven by Playwright; keyboard navigation and the print stylesheet work."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.assembly import sample
from tests.assembly.fixtures import run_assembly

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGES = {
    "home": "/",
    "report": "/reports/2024/",
    "department": "/reports/2024/zaisei/",
    "all": "/reports/2024/all/",
    "editions": "/reports/2024/editions/",
    "search-form": "/search/",
    "search-results": "/search/?q=%E5%81%A5%E8%A8%BA",
    "search-none": "/search/?q=%E5%AD%98%E5%9C%A8%E3%81%97%E3%81%AA%E3%81%84",
    "not-found": "/reports/1999/",
}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


@pytest.fixture
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def site(transactional_db, live_server, planning_head):
    report = sample.make_approved_report(items=9, tables=6, reviewer=planning_head)
    build = run_assembly(report, planning_head)
    assert build.is_published
    return live_server.url


def _axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => JSON.stringify(await axe.run(document, "
        "{runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}, resultTypes: ['violations']}))"
    )
    result = json.loads(result)
    assert len(result["passes"]) > 10  # axe did run its checks
    return result["violations"]


def test_axe_finds_no_violations_on_any_public_page_type(site, browser, tmp_path):
    # The CSP forbids inline scripts; axe is injected by the test, so the page's CSP is bypassed.
    context = browser.new_context(
        bypass_csp=True, locale="ja-JP", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    report = {}
    for name, path in PAGES.items():
        page.goto(site + path)
        violations = _axe(page)
        report[name] = [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in violations
        ]
        page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
    context.close()
    if os.environ.get("AKIRUNO_SCREENSHOT_DIR"):  # to look at the pages: keep the screenshots
        shutil.copytree(tmp_path, os.environ["AKIRUNO_SCREENSHOT_DIR"], dirs_exist_ok=True)
    assert report == {name: [] for name in PAGES}, json.dumps(report, ensure_ascii=False, indent=1)


def test_keyboard_navigation(site, browser):
    page = browser.new_page()
    page.goto(site + "/reports/2024/zaisei/")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => [document.activeElement.textContent, getComputedStyle(document.activeElement).left]"
    )
    assert focused[0] == "本文へ移動" and focused[1] != "-9999px"  # visible when focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    active = page.evaluate(
        "() => ({inMain: !!document.activeElement.closest('main'), tag: document.activeElement.tagName,"
        " outline: getComputedStyle(document.activeElement).outlineStyle})"
    )
    assert active == {"inMain": True, "tag": "A", "outline": "solid"}  # visible focus ring
    # The in-page table of contents moves to the item, which is highlighted as the target.
    page.locator(".section-toc a").nth(1).focus()
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash").startswith("#item-")
    assert page.evaluate("() => document.querySelector(':target').tagName") == "SECTION"
    page.close()


def test_print_stylesheet(site, browser):
    page = browser.new_page()
    page.goto(site + "/reports/2024/all/")
    page.emulate_media(media="print")
    styles = page.evaluate(
        """() => ({
          header: getComputedStyle(document.querySelector('.site-header')).display,
          breadcrumbs: getComputedStyle(document.querySelector('.breadcrumbs')).display,
          part: getComputedStyle(document.querySelectorAll('.department-part')[1]).breakBefore,
          thead: getComputedStyle(document.querySelector('.report-table thead')).display,
        })"""
    )
    assert styles == {
        "header": "none",
        "breadcrumbs": "none",
        "part": "page",
        "thead": "table-header-group",
    }
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    page.emulate_media(media="screen")
    assert (
        page.evaluate("() => getComputedStyle(document.querySelector('.site-header')).display")
        != "none"
    )
    page.close()
