"""The 市長公室 part of the FY2024 excerpt, rebuilt as data, prints with the excerpt's
numbering and figures; the block kinds' additions for it each have a test."""

import re

import pytest
from django.template.loader import render_to_string

from akiruno.exceptions import InvalidInput
from reports import blocks
from reports.services import content as svc
from reports.snapshot import section_content
from reports.tree import flatten, render_tree
from tests.reports.excerpt_koshitsu import CONTENT


@pytest.fixture
def koshitsu_section(section, editor):
    svc.section_replace_content(section=section, content=CONTENT, user=editor, summary="取込")
    return section


def printed_text(section) -> str:
    html = render_to_string(
        "report/section.html",
        {
            "department_name": section.department_name,
            "items": render_tree(section_content(section)),
        },
    )
    text = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", text)


def test_numbering_matches_the_excerpt(koshitsu_section):
    items = flatten(render_tree(section_content(koshitsu_section)))
    numbers = [(i.number, i.heading) for i in items]
    top = [n for n, _ in numbers if n in {"９", "10", "11", "17"}]
    assert top == ["９", "10", "11", "17"]
    assert ("10", "広報紙の電子書籍化") in numbers
    assert ("17", "社会課題・地域課題解決型官民連携プロジェクト推進事業") in numbers
    assert ("（９）", "移住・定住促進に関する協定") in numbers
    assert ("（ア）", "閲覧数") in numbers
    assert ("（ア）", "協定締結先") in numbers
    assert ("ウ", "報告審査会") in numbers


def test_printed_figures_match_the_excerpt(koshitsu_section):
    text = printed_text(koshitsu_section)
    for expected in [
        "ア 全体会議 ８回",
        "イ 市民表彰 ２６人、６団体",
        "配布件数 ５，７７９件（令和７年３月末時点）",
        "合計 件数 ４ １２ ４ ３ １５ ６ ７ １２ ２ １ ７ ７ ８０",
        "（２） 市長への手紙内訳 １０４件（手紙によっては、複数の分野があり受付件数と一致しない。）",
        "キ 保健福祉に関するもの １５件",
        "277,710",
        "3,332,519",
        "（１） 移住・定住相談 ５６１回",
        "（４） 移住者（相談者のうち移住の報告があった方） １１組２３人",
        "（ア） 閲覧数 ６９，９５９ページビュー",
        "広告料の内訳 ２１６枠一括貸付け分 ３，６０８，０００円",
        "１０，２００円",
        "（１） 包括連携協定締結先 東京都競馬株式会社、株式会社東京サマーランド",
    ]:
        assert expected in text, expected


def test_post_locations_print_in_three_columns_of_nine_eight_eight(koshitsu_section):
    table = next(
        b
        for i in flatten(render_tree(section_content(koshitsu_section)))
        for b in i.blocks
        if i.heading == "市民ポスト設置場所別利用状況"
    ).view["table"]
    assert [len(c) for c in table.chunks()] == [9, 8, 8]
    first_row = [c.display if c else None for c in table.side_by_side_rows()[0]]
    assert first_row == ["秋川駅", "２２", "菅生下会館", "１", "西秋留小学校正門前", "３"]
    last_row = table.side_by_side_rows()[-1]
    assert last_row[0].display == "鳥居場会館" and last_row[2] is None


def test_counts_column_flow_reads_down_first():
    kind = blocks.get("counts")
    data = kind.clean(
        {
            "entries": [{"label": x, "value": 1, "unit": "回"} for x in "ABCD"],
            "columns": 2,
            "flow": "column",
        }
    )
    rows = kind.view(data, None, depth=2)["rows"]
    assert [[e["label"] for e in row] for row in rows] == [["A", "C"], ["B", "D"]]


def test_counts_clear_numbers_clears_extra_and_compare():
    kind = blocks.get("counts")
    data = kind.clean(
        {
            "entries": [
                {"label": "a", "value": 1, "unit": "組", "extra": [{"value": 2, "unit": "人"}]}
            ],
            "total": {"label": "", "unit": "件", "compare": 96},
        }
    )
    cleared = kind.clear_numbers(data)
    assert cleared["entries"][0]["value"] is None
    assert cleared["entries"][0]["extra"][0]["value"] is None
    assert cleared["total"]["compare"] is None


def test_text_inline_first_paragraph():
    view = blocks.get("text").view(
        {"paragraphs": ["東京都競馬株式会社", "続き"], "inline": True}, None, depth=2
    )
    assert view["inline"] == "東京都競馬株式会社" and view["paragraphs"] == ["続き"]


def table(columns, rows, **extra):
    kind = blocks.get("table")
    return kind, {"columns": columns, "rows": rows, **extra}


def test_dates_in_a_table_print_compactly():
    kind, data = table(
        [
            {"key": "d", "label": "開催日", "type": "date"},
            {"key": "n", "label": "出席者数", "type": "integer"},
        ],
        [["2024-10-03", 33], ["2024-10-06", 8], ["令和6年10月10日", 4], ["2024-11-02", 9]],
    )
    view = kind.compute(kind.clean(data))
    assert [r.cells[0].display for r in view.rows] == [
        "令和６年１０月３日",
        "６日",
        "１０日",
        "１１月２日",
    ]


def test_date_outside_the_fiscal_year_is_refused_where_required():
    kind, data = table(
        [{"key": "d", "label": "実施日", "type": "date", "within_fiscal_year": True}],
        [["2024-04-08"], ["2025-04-01"]],
    )
    assert kind.clean(data)  # no year known: accepted
    with pytest.raises(InvalidInput) as exc:
        kind.clean_for(data, fiscal_year=2024)
    message = exc.value.details["/rows/1/d"]
    assert "令和７年４月１日は令和6年度" in message and "期間外" in message


def test_merged_cells_and_unit_in_cell_and_product():
    kind, data = table(
        [
            {"key": "w", "label": "作品名", "type": "text", "merge": True},
            {"key": "p", "label": "単価", "type": "amount", "unit": "円", "unit_in_cell": True},
            {"key": "q", "label": "数量", "type": "integer"},
            {
                "key": "s",
                "label": "売上額",
                "type": "amount",
                "unit": "円",
                "unit_in_cell": True,
                "computed": {"op": "product", "of": ["p", "q"]},
            },
        ],
        [["「五日市物語」", 3400, 3], ["「五日市物語」", 1200, 0]],
        digits="full",
    )
    view = kind.compute(kind.clean(data))
    first, second = view.rows
    assert first.cells[0].rowspan == 2 and second.cells[0].hidden
    assert first.cells[3].display == "１０，２００円"
    assert view.display_headers()[1] == "単価"  # the unit is in the cells, not the header


def test_period_style_date_range():
    kind, data = table(
        [{"key": "p", "label": "募集期間", "type": "date_range", "range_style": "period"}],
        [["2024-04-01～2024-04-25"]],
    )
    view = kind.compute(kind.clean(data))
    assert view.rows[0].cells[0].display == "令和６年４月１日から２５日まで"


def test_script_tags_are_printed_as_text(section, editor):
    svc.section_replace_content(
        section=section,
        content={
            "items": [
                {
                    "heading": "<script>x()</script>",
                    "blocks": [{"kind": "text", "data": {"paragraphs": ["<img src=x onerror=y>"]}}],
                }
            ]
        },
        user=editor,
        summary="t",
    )
    html = render_to_string(
        "report/section.html",
        {"department_name": "市長公室", "items": render_tree(section_content(section))},
    )
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
