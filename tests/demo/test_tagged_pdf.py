"""The published FY2024 PDF is tagged (PDF/UA-1, JIS X 8341-3): a screen reader gets the
language, the title, headings that follow the item numbering, tables with header cells, lists,
figures with their text alternative and an outline, and no page furniture mixed into the text.

Read back with pypdf (reports.services.pdf_structure.structure_report).
"""

import re
from html import unescape

import pytest
from django.core.management import call_command

from reports.models import AnnualReport, Build
from reports.services import assembly
from reports.services.pdf_structure import structure_report
from tests.demo.test_fy2024_data import DEPARTMENTS

HEADING = re.compile(r'<h([2-6]) class="(?:item-heading|department-title)"[^>]*>(.*?)</h\1>', re.S)


@pytest.fixture
def demo(db, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path / "media"
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", "--force")
    return AnnualReport.objects.get(fiscal_year=2024)


def _text(html: str) -> str:
    return re.sub(r"\s+", "", unescape(re.sub(r"<[^>]+>", "", html)))


def test_the_published_pdf_is_tagged(demo, client):
    build = Build.objects.filter(report=demo, kind=Build.Kind.RELEASE).latest("pk")
    data = (assembly.build_dir(build) / "report.pdf").read_bytes()
    found = structure_report(data)

    # Language, title in the document information and in the XMP metadata, shown as the title.
    assert found["lang"] == "ja"
    assert found["title"] == demo.title
    assert found["display_doc_title"] and found["marked"]
    assert f">{demo.title}</rdf:li>".encode() in found["xmp"]
    assert b'pdfuaid:part="1"' in found["xmp"]

    # Headings: the cover's title (H1), the TOC's heading, then each department (H2) and its
    # items at the level their numbering gives them, in the order of the published pages.
    html_headings = []
    for code in DEPARTMENTS:
        response = client.get(f"/reports/2024/{code}/")
        assert response.status_code == 200
        page = b"".join(response.streaming_content).decode()
        html_headings += [(int(level), _text(text)) for level, text in HEADING.findall(page)]
    levels = [level for level, _ in found["headings"]]
    assert levels[:3] == [1, 2, 2]  # 表紙, 目次, first department
    assert levels[2:] == [level for level, _ in html_headings]
    assert all(page is not None for _, page in found["headings"])

    # The outline: 表紙・目次, then each department with its items (h3/h4) as children.
    outline = found["outline"]
    top = [title for depth, title, _ in outline if depth == 0]
    assert top == ["表紙・目次", "企画政策課", "市長公室", "財政課"]
    children = [_text(title) for depth, title, _ in outline if depth > 0]
    assert children == [text for level, text in html_headings if level in (3, 4)]
    assert re.match(r"^[１２３４５６７８９]", children[0])
    assert all(page is not None for _, _, page in outline)

    # Tables: every header cell is a TH with a scope, every data cell names its headers.
    assert found["tags"]["/Table"] >= 10
    assert found["th_scopes"]["/Column"] > 0 and found["th_scopes"]["/Row"] > 0
    assert found["th_scopes"]["None"] == 0
    assert found["td_total"] > 100
    assert found["td_with_headers"] == found["td_total"]

    # Lists (enumerations, table notes, the table of contents) are lists.
    assert found["lists"] > 0 and found["list_items"] >= found["lists"]

    # Figures (charts) carry their text alternative.
    assert all(alt.strip() for alt in found["figures"])

    # No untagged text: the body is marked content of the tree, the running header and the
    # page numbers are artifacts (on every page but the cover).
    assert found["untagged_text_ops"] == 0
    assert found["orphan_mcids"] == 0
    assert found["tagged_text_ops"] > 0
    assert found["artifact_text_ops"] >= build.page_count - 1
