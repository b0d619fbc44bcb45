"""Ctrl+V of a range copied from Excel into a grid cell, with the real clipboard and keyboard,
in every kind of grid: tables, monthly tables, counts and the finance grids. The pasted
figures must reach the form (marked 未保存) and, after 保存, the database."""

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
def grids(transactional_db, section, editor):
    item = svc.item_create(section=section, user=editor, heading="貼り付けの項目")
    table = svc.block_create(
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
    monthly = svc.block_create(
        item=item,
        user=editor,
        kind="monthly_table",
        data={"measures": [{"label": "件数", "values": [1] * 12}], "summary": ["sum"]},
    )
    counts = svc.block_create(
        item=item,
        user=editor,
        kind="counts",
        data={"entries": [{"label": "相談", "value": 1, "unit": "件"}]},
    )
    return {"table": table, "monthly": monthly, "counts": counts}


def _clipboard_page(browser, live_server, user):
    context = login_context(browser, live_server.url, user)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def _paste(page, selector: str, text: str) -> None:
    """Put `text` on the system clipboard, then Ctrl+V into the cell, as a person does."""
    page.evaluate("text => navigator.clipboard.writeText(text)", text)
    page.click(selector)
    page.keyboard.press("Control+V")


def _open(page, block) -> None:
    page.click(f"#block-{block.pk}-edit")
    page.wait_for_selector(f"#block-{block.pk} form.block-form")


def _save(page, block) -> None:
    page.click(f"#block-{block.pk}-save")
    page.wait_for_selector(f"#block-{block.pk} .message--success, #block-{block.pk} [role=alert]")
    status = page.locator(f"#block-{block.pk} [role=alert]")
    assert not status.count(), status.first.inner_text()


def test_ctrl_v_into_section_grids_pastes_and_saves(browser, live_server, grids, section, editor):
    table, monthly, counts = grids["table"], grids["monthly"], grids["counts"]
    context, page = _clipboard_page(browser, live_server, editor)
    page.goto(f"{live_server.url}/staff/sections/{section.pk}/")

    # A table: two rows from the first cell on; the second row is added.
    _open(page, table)
    _paste(page, f"#block-{table.pk} [data-row='0'][data-col='0']", "東秋留駅\t3\n武蔵引田駅\t5\n")
    page.wait_for_selector(f"#block-{table.pk} .message--warning")
    assert "貼り付けました" in page.inner_text(f"#block-{table.pk} .ed-block-status")
    shot(page, "editor-after-paste")
    _save(page, table)
    assert Block.objects.get(pk=table.pk).data["rows"] == [
        {"place": "東秋留駅", "count": 3},
        {"place": "武蔵引田駅", "count": 5},
    ]

    # A monthly table: four months pasted from 6月 on, a full year into row 1 and a
    # labelled one (13 cells) that adds row 2.
    _open(page, monthly)
    _paste(page, f"#block-{monthly.pk} [data-row='0'][data-col='2']", "10\t11\t12\t13")
    page.wait_for_selector(f"#block-{monthly.pk} .message--warning")
    _paste(
        page,
        f"#block-{monthly.pk} [data-row='0'][data-col='0']",
        "1\t2\t3\t4\t5\t6\t7\t8\t9\t10\t11\t12\n回数\t" + "\t".join(["2"] * 12),
    )
    page.wait_for_selector(f"#block-{monthly.pk} [data-row='1'][data-col='0']")
    _save(page, monthly)
    measures = Block.objects.get(pk=monthly.pk).data["measures"]
    assert measures[0]["values"] == list(range(1, 13))
    assert (measures[1]["label"], measures[1]["values"]) == ("回数", [2] * 12)

    # The months pasted from a middle cell land from that month on (the form stays open).
    _paste(page, f"#block-{monthly.pk} [data-row='1'][data-col='2']", "10\t11\t12\t13")
    page.wait_for_selector(f"#block-{monthly.pk} .message--warning")
    _save(page, monthly)
    values = Block.objects.get(pk=monthly.pk).data["measures"][1]["values"]
    assert values == [2, 2, 10, 11, 12, 13, 2, 2, 2, 2, 2, 2]

    # Counts: label, number and unit for two rows from the first cell on.
    _open(page, counts)
    _paste(page, f"#block-{counts.pk} [data-row='0'][data-col='0']", "相談\t12\t件\n訪問\t3\t回")
    page.wait_for_selector(f"#block-{counts.pk} .message--warning")
    _save(page, counts)
    entries = Block.objects.get(pk=counts.pk).data["entries"]
    assert [(e["label"], e["value"], e["unit"]) for e in entries] == [
        ("相談", 12, "件"),
        ("訪問", 3, "回"),
    ]
    context.close()


@pytest.fixture
def finance_grid(transactional_db, fy2024):
    from finance.models import Account

    return Account.objects.get(fiscal_year=2024, key="kokuho")


def test_ctrl_v_into_the_finance_grid_pastes_and_saves(
    browser, live_server, finance_grid, finance_editor
):
    context, page = _clipboard_page(browser, live_server, finance_editor)
    page.goto(f"{live_server.url}/staff/finance/accounts/{finance_grid.pk}/")
    _paste(page, "#revenue-0-initial", "1,560,393\t100\n200,000\t0")
    assert page.input_value("#revenue-0-initial") == "1,560,393"
    assert page.input_value("#revenue-1-initial") == "200,000"
    assert "2行を貼り付けました" in page.inner_text("#finance-grid-status")
    with page.expect_navigation():
        page.click(".finance-buttons button[value=save]")
    finance_grid.refresh_from_db()
    assert page.input_value("#revenue-0-initial") == "1,560,393"
    assert page.input_value("#revenue-1-initial") == "200,000"
    context.close()
