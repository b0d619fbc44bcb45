"""Submission and report approval check the figures: empty counts, counts below zero, a table or
a budget statement left entirely empty — all reported at once, each naming (and on the pages
linking to) its place; report approval re-checks every section against the records as they
are now and refuses with the full list. Nothing changes when refused."""

import pytest

from akiruno.exceptions import Conflict, InvalidInput
from finance.models import Account, BudgetLine
from reports.models import AnnualReport, Block, Section
from reports.services import workflow
from tests import factories
from tests.workflow.helpers import advance, counts, fill

COUNTS = {
    "entries": [
        {"label": "相談件数", "value": None, "unit": "件"},
        {"label": "訪問件数", "value": -2, "unit": "件"},
        {"label": "参加者", "value": 11, "unit": "組", "extra": [{"value": None, "unit": "人"}]},
    ]
}
EMPTY_TABLE = {
    "caption": "利用状況",
    "columns": [
        {"key": "name", "label": "施設", "type": "text"},
        {"key": "n", "label": "利用者数", "type": "integer"},
    ],
    "rows": [["本庁舎", None], ["五日市出張所", None]],
}


def _bad_section(section: Section) -> None:
    item = factories.make_item(section, "相談業務")
    factories.make_block(item, "counts", COUNTS)
    other = factories.make_item(section, "施設")
    factories.make_block(other, "table", EMPTY_TABLE)


def test_submission_lists_every_bad_figure_at_once(section, editor):
    _bad_section(section)
    before = counts()
    with pytest.raises(InvalidInput) as refused:
        workflow.section_submit(section=section, user=editor)
    details = refused.value.details
    assert details["/items/0/blocks/0/entries/0/value"] == (
        "１ 相談業務: 「相談件数」の数が入力されていません。"
    )
    assert details["/items/0/blocks/0/entries/1/value"] == (
        "１ 相談業務: 「訪問件数」の数が -2 です。件数は負の数にできません。"
    )
    assert (
        "「参加者」に続く数（人）が入力されていません"
        in (details["/items/0/blocks/0/entries/2/extra/0/value"])
    )
    assert details["/items/1/blocks/0/rows/0"] == (
        "２ 施設: 表の数値（「利用者数」）がすべて空です。数値を入力してください。"
    )
    assert len(details) == 4
    section.refresh_from_db()
    assert section.state == Section.State.DRAFT and counts() == before


def test_the_review_page_links_each_problem_to_its_item(client, section, editor):
    _bad_section(section)
    client.force_login(editor)
    response = client.post(
        f"/staff/sections/{section.pk}/workflow/submit/", {"version": section.version}
    )
    assert response.status_code == 400
    links = response.context["error_links"]
    assert len(links) == 4 and all(link["href"].startswith("/staff/") for link in links)
    assert any("負の数" in link["text"] for link in links)


@pytest.fixture
def empty_account(report, zaisei):
    account = Account.objects.create(
        fiscal_year=report.fiscal_year,
        department=zaisei,
        key="kara",
        name="空の特別会計",
        kind="special",
        unit="千円",
        supplementary_count=0,
    )
    for position, part in enumerate(("revenue", "expenditure")):
        BudgetLine.objects.create(
            account=account, part=part, name="款", position=position, initial=None
        )
    return account


def test_an_entirely_empty_statement_is_refused(section, editor, empty_account):
    item = factories.make_item(section, "会計")
    factories.make_block(item, "budget_statement", {"account": "kara"})
    with pytest.raises(InvalidInput) as refused:
        workflow.section_submit(section=section, user=editor)
    assert refused.value.details == {
        "/items/0/blocks/0/account": "１ 会計: 空の特別会計の予算の執行状況は数値がすべて空です。"
        "当初予算額・決算額などを入力してください。"
    }


def test_report_approval_rechecks_every_sections_figures(
    report, koshitsu, zaisei, editor, head, other_editor, other_head, reviewer, planning_head
):
    first = factories.make_section(koshitsu, report)
    second = factories.make_section(zaisei, report)
    fill(first)
    fill(second)
    counted = factories.make_item(second, "件数")
    block = factories.make_block(counted, "counts", {"entries": [{"label": "件", "value": 3}]})
    advance(first, "approved", editor=editor, head=head, reviewer=reviewer)
    advance(second, "approved", editor=other_editor, head=other_head, reviewer=reviewer)
    # A figure that went wrong after approval (a direct fix in the database, a bad migration).
    Block.objects.filter(pk=block.pk).update(
        data={**block.data, "entries": [{**block.data["entries"][0], "value": -1}]}
    )
    before = counts()
    with pytest.raises(Conflict) as refused:
        workflow.report_approve(report=report, user=planning_head)
    assert refused.value.code == "figures"
    assert refused.value.details == {
        "/sections/zaisei/items/2/blocks/0/entries/0/value": "財政課 ３ 件数: 「件」の数が -1 です。"
        "件数は負の数にできません。"
    }
    report.refresh_from_db()
    assert report.state == AnnualReport.State.PREPARING and counts() == before


def test_the_approval_page_links_each_figure_problem_to_its_section(
    client, report, koshitsu, editor, head, reviewer, planning_head
):
    section = factories.make_section(koshitsu, report)
    fill(section)
    counted = factories.make_item(section, "件数")
    block = factories.make_block(counted, "counts", {"entries": [{"label": "件", "value": 3}]})
    advance(section, "approved", editor=editor, head=head, reviewer=reviewer)
    Block.objects.filter(pk=block.pk).update(
        data={**block.data, "entries": [{**block.data["entries"][0], "value": None}]}
    )
    client.force_login(planning_head)
    response = client.post(
        f"/staff/reports/{report.fiscal_year}/approval/", {"version": report.version}
    )
    assert response.status_code == 409
    links = response.context["error_links"]
    assert links == [
        {
            "text": "市長公室 ３ 件数: 「件」の数が入力されていません。",
            "href": f"/staff/sections/{section.pk}/review/",
        }
    ]
    assert f'href="/staff/sections/{section.pk}/review/"' in response.content.decode()
    report.refresh_from_db()
    assert report.state == AnnualReport.State.PREPARING
