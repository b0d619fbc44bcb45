"""One round of review in a real browser, each role in its own signed-in context (issue 16):
the clerk adds, fills, reorders and removes table rows with the keyboard and submits; the head
forwards; the reviewer (signed in with TOTP) returns with a comment pinned to a cell; the clerk
addresses it from the editor, fixes the cell and resubmits; the head forwards again; the reviewer
approves; the planning division's head approves the report and follows the build to the end.
axe runs on every screen on the way."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports.models import AnnualReport, Block, Build, ReviewComment, Section
from tests.browser.helpers import CHROMIUM, _axe, login_context, shot
from tests.workflow.helpers import fill

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


def _page(browser, live_server, user):
    context = login_context(browser, live_server.url, user)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _press(page, selector: str) -> None:
    """Activate a control with the keyboard, as a person tabbing through the page would,
    once the last htmx swap has settled."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
    page.focus(selector)
    page.keyboard.press("Enter")


def test_one_round_of_review_in_the_browser(
    browser,
    live_server,
    transactional_db,
    eager_celery,
    media_root,
    section,
    editor,
    head,
    reviewer,
    planning_head,
):
    items = fill(section)
    table = items["table"]
    base = live_server.url
    editor_url = f"{base}/staff/sections/{section.pk}/"
    review_url = f"{base}/staff/sections/{section.pk}/review/"

    # The clerk: add a row, type it, move it up, remove the first row, save.
    context, page = _page(browser, live_server, editor)
    page.goto(editor_url)
    _press(page, f"#block-{table.pk}-edit")
    page.wait_for_selector(f"#block-{table.pk} form.block-form")
    _press(page, f"#block-{table.pk} button[value=add_row]")
    page.wait_for_selector(f"#block-{table.pk} [data-row='2'][data-col='0']")
    page.focus(f"#block-{table.pk} [data-row='2'][data-col='0']")
    page.keyboard.type("令和６年１２月３日")
    page.keyboard.press("Tab")
    page.keyboard.type("講演会")
    _press(page, f"#block-{table.pk} button[value='up_row:2']")
    page.wait_for_function(
        "sel => document.querySelector(sel).value === '講演会'",
        arg=f"#block-{table.pk} [data-row='1'][data-col='1']",
    )
    _press(page, f"#block-{table.pk} button[value='del_row:0']")
    page.wait_for_function(
        "sel => document.querySelector(sel).value === '講演会'",
        arg=f"#block-{table.pk} [data-row='0'][data-col='1']",
    )
    _press(page, f"#block-{table.pk}-save")
    page.wait_for_selector(f"#block-{table.pk} .message--success")
    assert page.url == editor_url  # every step stayed in the editor (htmx), none navigated
    assert [r["topic"] for r in Block.objects.get(pk=table.pk).data["rows"]] == [
        "講演会",
        "研修会",
    ]
    assert _axe(page) == []
    with page.expect_navigation():
        page.click("button:has-text('課長へ提出する')")
    assert Section.objects.get(pk=section.pk).state == "awaiting_head", page.inner_text("main")[
        :800
    ]

    # The head forwards.
    head_context, head_page = _page(browser, live_server, head)
    head_page.goto(review_url)
    with head_page.expect_navigation():
        head_page.click("text=企画政策課へ送付する")
    assert Section.objects.get(pk=section.pk).state == "in_review"

    # The reviewer returns with a comment pinned to the 研修会 cell.
    rev_context, rev_page = _page(browser, live_server, reviewer)
    rev_page.goto(review_url)
    assert _axe(rev_page) == []
    summary = rev_page.locator("details.pin-form summary").filter(has_text="協議会")
    summary.click()
    fieldset = rev_page.locator("fieldset.pin-target").filter(has_text="開催状況").first
    fieldset.locator("input[name$='-row']").fill("2")
    fieldset.locator("select[name$='-column']").select_option("topic")
    fieldset.locator("textarea[name$='-comment']").fill("研修会の正式名称にしてください。")
    rev_page.fill("#workflow-return-comment", "一か所直してください。")
    with rev_page.expect_navigation():
        rev_page.click("text=差し戻す")
    assert Section.objects.get(pk=section.pk).state == "returned"
    comment = ReviewComment.objects.get(body="研修会の正式名称にしてください。")
    assert comment.row == 2 and comment.column == "topic"

    # The clerk sees it at its cell, fixes the cell, marks it addressed, resubmits.
    page.goto(editor_url)
    assert "未対応 2件／2件" in page.inner_text("#editor-comments-heading")
    _press(page, f"#block-{table.pk}-edit")
    cell = f"#block-{table.pk} [data-row='1'][data-col='1']"
    page.wait_for_selector(cell)
    page.wait_for_function(
        "sel => document.querySelector(sel).classList.contains('cell--pinned')", arg=cell
    )
    page.fill(cell, "職員研修会")
    _press(page, f"#block-{table.pk}-save")
    page.wait_for_selector(f"#block-{table.pk} .message--success")
    for pk in ReviewComment.objects.filter(section=section).values_list("pk", flat=True):
        with page.expect_navigation():
            _press(page, f"#comment-{pk} button")
    assert "未対応 0件／2件" in page.inner_text("#editor-comments-heading")
    assert _axe(page) == []
    shot(page, "cycle-editor-addressed")
    with page.expect_navigation():
        page.click("text=課長へ提出する")
    head_page.goto(review_url)
    with head_page.expect_navigation():
        head_page.click("text=企画政策課へ送付する")

    # The reviewer sees the marks and approves.
    rev_page.goto(review_url)
    assert "対応済み 2／2件" in rev_page.inner_text("body")
    shot(rev_page, "cycle-review-comments")
    with rev_page.expect_navigation():
        rev_page.click("button:has-text('承認する')")
    assert Section.objects.get(pk=section.pk).state == "approved"

    # One version number (defect 2): the approved content is the same 第N版 on every screen.
    n = Section.objects.get(pk=section.pk).content_version
    label = f"第{n}版"
    rev_page.goto(review_url)
    assert f"内容（{label}、承認された版）" in rev_page.inner_text("#content-heading")
    assert label in rev_page.inner_text(".workflow-panel")
    page.goto(editor_url)
    assert page.inner_text(".editor-header__meta").split("・")[0].strip().endswith(label)
    page.goto(f"{editor_url}history/")
    assert page.inner_text("table tbody tr:first-child th") == label

    # The planning division's head approves the report and follows the build.
    ph_context, ph_page = _page(browser, live_server, planning_head)
    ph_page.goto(f"{base}/staff/reports/2024/approval/")
    with ph_page.expect_navigation():
        ph_page.click("button:has-text('報告書を承認する')")
    assert AnnualReport.objects.get(pk=section.report_id).state != "preparing"
    build = Build.objects.filter(report=section.report, kind=Build.Kind.RELEASE).latest("pk")
    ph_page.wait_for_selector(f"#progress-{build.pk}, #build-{build.pk} .build-state--succeeded")
    assert "構築の進み具合" in ph_page.inner_text("main")
    assert f"構築#{build.pk}が完了しました" in ph_page.inner_text("body")  # eager: already done
    assert _axe(ph_page) == []
    shot(ph_page, "cycle-report-approved")
    ph_page.click(f"text=構築#{build.pk}の進み具合を別のページで見る")
    ph_page.wait_for_selector(f"h1:has-text('構築#{build.pk}')")
    ph_page.click("details summary:has-text('入力')")
    assert f"市長公室 {label}" in ph_page.inner_text("ul.build-files")
    assert _axe(ph_page) == []
    shot(ph_page, "cycle-build-progress")
    for ctx in (context, head_context, rev_context, ph_context):
        ctx.close()
