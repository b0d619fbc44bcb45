"""The public site serves the stored files of the latest published build, with validators."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest

from reports.models import Build
from reports.services import assembly
from tests.assembly import sample
from tests.assembly.fixtures import body, run_assembly

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(planning_head):
    report = sample.make_approved_report(items=6, tables=4, reviewer=planning_head)
    return run_assembly(report, planning_head)


def _content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_public_urls_serve_the_build_files(client, published):
    pages = {
        "/reports/2024/": "index.html",
        "/reports/2024/all/": "all.html",
        "/reports/2024/zaisei/": "departments/zaisei.html",
        "/reports/2024/report.pdf": "report.pdf",
        "/reports/2024/data.zip": "data.zip",
        "/reports/2024/data/index.json": "data/index.json",
        "/reports/2024/data/zaisei-01.csv": "data/zaisei-01.csv",
    }
    for url, name in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        entry = published.manifest[name]
        assert response["Content-Type"] == entry["content_type"]
        assert response["ETag"] == f'"{entry["sha256"]}"'
        assert "public" in response["Cache-Control"] and "max-age=3600" in response["Cache-Control"]
        assert response["Last-Modified"]
        assert _content(response) == (assembly.build_dir(published) / name).read_bytes()
    csv_response = client.get("/reports/2024/data/zaisei-01.csv")
    assert (
        csv_response["Content-Disposition"]
        == 'attachment; filename="jimuhokoku-2024-zaisei-01.csv"'
    )
    assert "attachment" in client.get("/reports/2024/data.zip")["Content-Disposition"]
    assert "Content-Disposition" not in client.get("/reports/2024/")


def test_conditional_requests_get_304_without_the_body(client, published):
    first = client.get("/reports/2024/report.pdf")
    again = client.get("/reports/2024/report.pdf", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"] and again.content == b""
    since = client.get("/reports/2024/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    changed = client.get("/reports/2024/report.pdf", HTTP_IF_NONE_MATCH='"other"')
    assert changed.status_code == 200
    head = client.head("/reports/2024/")
    assert (
        head.status_code == 200
        and head["ETag"] == f'"{published.manifest["index.html"]["sha256"]}"'
    )


def test_pages_are_served_from_files_in_one_query(client, published, django_assert_num_queries):
    for url in (
        "/reports/2024/",
        "/reports/2024/kikaku-seisaku/",
        "/reports/2024/data/zaisei-02.csv",
    ):
        with django_assert_num_queries(1):
            assert client.get(url).status_code == 200
    # The pages do not read the content tables: with the items gone, the page is unchanged.
    from reports.models import Item

    before = body(client.get("/reports/2024/zaisei/"))
    Item.objects.filter(section__department__code="zaisei").delete()
    assert body(client.get("/reports/2024/zaisei/")) == before
    assert "各種協議会等関係" in before


def test_unknown_and_unpublished_things_are_404(client, published, planning_head):
    for url in (
        "/reports/2023/",
        "/reports/2024/nonexistent/",
        "/reports/2024/data/nonexistent.csv",
        "/reports/2024/editions/9/report.pdf",
        "/reports/2024/editions/1/index.html",
        "/reports/2024/data/../report.pdf",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post("/reports/2024/").status_code == 405


def test_home_lists_published_years_and_toc_lists_departments(client, published):
    home = body(client.get("/"))
    assert '<a href="/reports/2024/">令和6年度 事務報告書</a>' in home
    toc = body(client.get("/reports/2024/"))
    for code, name in (
        ("kikaku-seisaku", "企画政策課"),
        ("shicho-koshitsu", "市長公室"),
        ("zaisei", "財政課"),
    ):
        assert f'<a href="/reports/2024/{code}/">{name}</a>' in toc
    assert "/reports/2024/report.pdf" in toc and "/reports/2024/data.zip" in toc


def test_department_page_numbering_wareki_and_accessible_tables(client, published):
    page = body(client.get("/reports/2024/kikaku-seisaku/"))
    assert '<html lang="ja">' in page
    assert '<span class="number">１</span>各種協議会等関係' in page
    assert '<span class="number">（１）</span>' in page
    assert "令和６年６月１１日" in page  # dates in 和暦
    assert "<caption>市長提出案件数</caption>" in page
    assert '<th scope="col">会議名</th>' in page and '<th scope="row">' in page
    assert (
        'rel="next" href="/reports/2024/shicho-koshitsu/"' in page
        or 'href="/reports/2024/shicho-koshitsu/" rel="next"' in page
    )
    assert "/reports/2024/data/kikaku-seisaku-" in page  # links to the data of each table


def test_all_on_one_page_for_printing(client, published):
    page = body(client.get("/reports/2024/all/"))
    assert page.count('class="department-part"') == 3
    assert 'media="print"' in page and "print.css" in page


def test_data_zip_and_csv_downloads(client, published):
    archive = zipfile.ZipFile(io.BytesIO(_content(client.get("/reports/2024/data.zip"))))
    index = json.loads(archive.read("jimuhokoku-2024/index.json"))
    assert len(index["files"]) == sum(1 for n in published.manifest if n.endswith(".csv"))
    first = index["files"][0]
    data = _content(client.get(first["url"]))
    assert archive.read(f"jimuhokoku-2024/{first['name']}") == data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] and all(len(row) == len(rows[0]) for row in rows)


def test_editions_page_and_immutable_edition_files(client, published):
    page = body(client.get("/reports/2024/editions/"))
    assert "第1版（最新）" in page and "初版" in page
    response = client.get("/reports/2024/editions/1/report.pdf")
    assert response.status_code == 200
    assert (
        "immutable" in response["Cache-Control"] and "max-age=31536000" in response["Cache-Control"]
    )


def test_preview_and_unpublished_builds_are_not_public(client, published, planning_head):
    failed = Build.objects.create(report=published.report, status=Build.Status.FAILED)
    assert client.get(f"/staff/reports/2024/builds/{failed.pk}/files/report.pdf").status_code == 302
    # A later, unpublished build of the same year does not replace the published one.
    Build.objects.create(
        report=published.report,
        status=Build.Status.SUCCEEDED,
        manifest={"index.html": {"sha256": "x", "size": 1, "content_type": "text/html"}},
    )
    assert client.get("/reports/2024/")["ETag"] == f'"{published.manifest["index.html"]["sha256"]}"'


def test_the_editions_page_names_each_departments_content_version(client, published):
    """One version number (issue 16): an edition lists the 第N版 of each department's content
    it holds, as recorded at approval, the same numbers as the staff screens."""
    recorded = dict(published.content_version)
    sections = [dict(s) for s in recorded["sections"]]
    assert len(sections) >= 2
    for n, entry in enumerate(sections, start=3):
        entry["content_version"] = n
    recorded["sections"] = sections
    Build.objects.filter(pk=published.pk).update(content_version=recorded)
    page = body(client.get("/reports/2024/editions/"))
    assert "各課の内容の版" in page and f"<summary>{len(sections)}課</summary>" in page
    for n, entry in enumerate(sections, start=3):
        assert f"<li>{entry['department_name']} 第{n}版</li>" in page
