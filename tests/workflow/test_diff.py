"""What changed: a line diff of the printed text, against the last return or last year."""

import pytest

from reports.diff import content_lines, diff_contents
from reports.models import AnnualReport, Section
from reports.services import workflow
from tests import factories
from tests.workflow.helpers import advance, fill


def _content(*paragraphs, heading="広報活動"):
    return {
        "items": [
            {
                "uid": "a",
                "heading": heading,
                "blocks": [{"kind": "text", "data": {"paragraphs": list(paragraphs)}}],
                "children": [],
            }
        ]
    }


def test_lines_are_what_a_reader_sees_with_numbers_and_table_totals():
    content = {
        "items": [
            {
                "heading": "会議",
                "blocks": [],
                "children": [
                    {
                        "heading": "件数",
                        "blocks": [
                            {
                                "kind": "table",
                                "data": factories_table(),
                            }
                        ],
                        "children": [],
                    }
                ],
            }
        ]
    }
    lines = content_lines(content)
    assert lines[0] == "１ 会議"
    assert lines[1] == "（１） 件数"
    assert "　　会議名 | 議案" in lines
    assert "　　合計 | 5" in lines


def factories_table():
    from reports import blocks

    return blocks.get("table").clean(
        {
            "caption": "提出案件",
            "columns": [
                {"key": "name", "label": "会議名", "type": "text"},
                {"key": "gian", "label": "議案", "type": "integer"},
            ],
            "rows": [["定例会", 2], ["臨時会", 3]],
            "summary": [{"op": "sum", "label": "合計"}],
        }
    )


def test_a_changed_figure_is_marked_down_to_the_characters():
    diff = diff_contents(_content("件数は３１８件。"), _content("件数は３１９件。"))
    assert (diff.inserted, diff.deleted) == (1, 1)
    deleted = next(line for line in diff.lines if line.op == "delete")
    inserted = next(line for line in diff.lines if line.op == "insert")
    assert [s.text for s in deleted.segments if s.changed] == ["８"]
    assert [s.text for s in inserted.segments if s.changed] == ["９"]


def test_unchanged_content_has_no_changes_and_long_runs_are_folded():
    paragraphs = [f"段落{i}" for i in range(20)]
    assert not diff_contents(_content(*paragraphs), _content(*paragraphs)).changed
    diff = diff_contents(_content(*paragraphs), _content(*paragraphs[:-1], "最後を変更"))
    skips = [line for line in diff.lines if line.op == "skip"]
    assert len(skips) == 1 and skips[0].skipped > 10


def test_review_page_shows_the_diff_against_the_version_last_returned(section, people, client):
    items = fill(section)
    advance(section, "returned", **people)
    block = items["first"].blocks.get()
    block.data = {"paragraphs": ["「広報あきる野」を月２回、計２４号発行した。"]}
    block.save()
    workflow.section_submit(section=section, user=people["editor"])
    workflow.section_forward(section=section, user=people["head"])
    client.force_login(people["reviewer"])
    html = client.get(f"/staff/sections/{section.pk}/review/").content.decode()
    assert "前回の差戻し時" in html
    assert "追加 1行、削除 1行" in html
    assert "<ins>、計２４号</ins>" in html


def test_review_page_compares_with_last_years_published_text(section, people, client):
    fill(section)
    last_year = AnnualReport.objects.create(fiscal_year=2023, title="令和5年度 事務報告書")
    old = factories.make_section(section.department, last_year)
    item = factories.make_item(old, "広報活動")
    factories.make_block(item, "text", {"paragraphs": ["「広報あきる野」を月１回発行した。"]})
    client.force_login(people["reviewer"])
    url = f"/staff/sections/{section.pk}/review/?compare=previous"
    assert "前年度の公開版がありません" in client.get(url).content.decode()
    AnnualReport.objects.filter(pk=last_year.pk).update(state="published")
    html = client.get(url).content.decode()
    assert "令和5年度（公開版）" in html
    assert "<del>１</del>" in html and "<ins>２</ins>" in html


@pytest.mark.parametrize("renamed", [False, True])
def test_last_year_follows_a_renamed_department(section, renamed):
    from reports.selectors_workflow import previous_year_section

    last_year = AnnualReport.objects.create(
        fiscal_year=2023, title="令和5年度 事務報告書", state="published"
    )
    department = section.department
    if renamed:
        department = factories.make_department("old-koshitsu", "秘書広報課")
        department.successor = section.department
        department.save()
    old = Section.objects.create(report=last_year, department=department)
    assert previous_year_section(section) == old
