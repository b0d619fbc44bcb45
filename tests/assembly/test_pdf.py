"""The printed report: embedded Japanese font, TOC with page numbers, page numbers at the foot,
the title in the running header, departments on new pages, split tables repeating headers."""

from __future__ import annotations

import re

import pytest

from reports import blocks
from reports.services import assembly, pdf, rendering
from tests.assembly import sample
from tests.assembly.fixtures import run_assembly
from tests.assembly.pdfutil import pdf_fonts, pdf_pages, pdf_text

TITLE = "令和6年度 事務報告書"


@pytest.mark.django_db
def test_report_pdf(planning_head, tmp_path):
    report = sample.make_approved_report(items=9, tables=6, reviewer=planning_head)
    build = run_assembly(report, planning_head)
    path = assembly.build_dir(build) / "report.pdf"
    pages = pdf_pages(path)
    assert len(pages) == build.page_count

    # A Japanese font is embedded (pdffonts: emb = yes), and every font is.
    fonts = pdf_fonts(path)
    assert fonts and all(f["emb"] == "yes" for f in fonts)
    assert any("Noto-Sans-CJK-JP" in f["name"] for f in fonts)

    # Cover, then the table of contents; the body is numbered from 1 at the foot ("- 1 -").
    assert TITLE in pages[0] and "あきる野市" in pages[0]
    toc_page = next(
        i for i, text in enumerate(pages) if "目" in text and "次" in text and "企画政策課" in text
    )
    body = pages[toc_page + 1 :]
    for number, text in enumerate(body, start=1):
        lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
        assert lines[-1] == f"- {number} -", (number, lines[-3:])
        assert lines[0].startswith(TITLE), lines[:2]  # the running header
    assert not any(re.search(r"^- \d+ -$", line.strip()) for line in pages[0].splitlines())

    # The TOC's page numbers point at the pages where each department starts, on a new page
    # (its name is the first line after the running header).
    layout = pdf_text(path, first=toc_page + 1, last=toc_page + 1, layout=True)
    starts = {}
    for line in layout.splitlines():
        match = re.match(r"^\s*(企画政策課|市長公室|財政課)\s*\.+\s*(\d+)\s*$", line)
        if match:
            starts[match[1]] = int(match[2])
    assert list(starts) == ["企画政策課", "市長公室", "財政課"]
    assert starts["企画政策課"] == 1
    for name, page in starts.items():
        lines = [line.strip() for line in body[page - 1].splitlines() if line.strip()]
        assert name in lines[1:3], (name, page, lines[:4])
    # Items listed in the TOC are on the page the TOC says.
    for line in layout.splitlines():
        match = re.match(r"^\s*([１２３４５６７８９]|10|11)\s+(\S+)\s*\.+\s*(\d+)\s*$", line)
        if match:
            assert match[2] in body[int(match[3]) - 1].replace("\n", "")


def _long_table_content(rows: int) -> dict:
    data = blocks.get("table").clean(
        {
            "caption": "長い表",
            "columns": [
                {"key": "name", "label": "会議名", "type": "text"},
                {"key": "count", "label": "件数", "type": "integer"},
            ],
            "rows": [{"name": f"第{i}回会議", "count": i} for i in range(1, rows + 1)],
            "summary": [{"op": "sum"}],
        }
    )
    return {
        "department": "zaisei",
        "department_name": "財政課",
        "items": [
            {
                "uid": "x",
                "heading": "会議",
                "blocks": [{"kind": "table", "data": data}],
                "children": [],
            }
        ],
    }


def test_table_split_across_pages_repeats_its_header_row(tmp_path):
    rendered = rendering.render_report(
        fiscal_year=2024, title=TITLE, city="あきる野市", contents=[_long_table_content(150)]
    )
    result = pdf.render_html(rendered.work["_work/pdf/zaisei.html"].decode())
    assert result.pages >= 3
    path = tmp_path / "part.pdf"
    path.write_bytes(result.pdf)
    pages = pdf_pages(path)
    for text in pages:
        assert "会議名" in text and "件数" in text  # the header row on every page
    assert "第150回会議" in pages[-1] and "合計" in pages[-1]


def test_merge_numbers_pages_across_parts_and_keeps_the_outline(tmp_path):
    rendered = rendering.render_report(
        fiscal_year=2024, title=TITLE, city="あきる野市", contents=[_long_table_content(150)]
    )
    part = pdf.render_html(rendered.work["_work/pdf/zaisei.html"].decode())
    front = pdf.render_front(
        title=TITLE,
        city="あきる野市",
        toc=[{"name": "財政課", "page": 1, "entries": []}],
        draft=False,
    )
    merged, count = pdf.merge(
        title=TITLE,
        city="あきる野市",
        front=front.pdf,
        parts=[("財政課", part.pdf), ("財政課（再掲）", part.pdf)],
    )
    assert count == front.pages + 2 * part.pages
    path = tmp_path / "merged.pdf"
    path.write_bytes(merged)
    pages = pdf_pages(path)
    last = [line.strip() for line in pages[-1].splitlines() if line.strip()][-1]
    assert last == f"- {2 * part.pages} -"

    from pypdf import PdfReader

    reader = PdfReader(path)
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert titles[:3] == ["表紙・目次", "財政課", "財政課（再掲）"]
    assert reader.page_labels[front.pages] == "1"
    assert reader.trailer["/Root"]["/Lang"] == "ja"
