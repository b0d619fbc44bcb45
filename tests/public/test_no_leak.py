"""Nothing but published content ever reaches the public: crawl every public URL (pages, PDF,
CSV, ZIP, JSON, search) after each stage of the workflow and look for text that exists only in
drafts, previews, returned comments, user names and the audit log."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest

from reports.models import AnnualReport, Item, ReportEvent, Section, SectionEvent, SectionSnapshot
from reports.services import assembly
from reports.services.rendering import canonical_json, sha256
from reports.snapshot import section_content
from tests import factories
from tests.assembly import sample
from tests.assembly.fixtures import run_assembly

pytestmark = pytest.mark.django_db

PUBLIC_1 = "公開確認用の本文その一"
PUBLIC_2 = "公開確認用の本文その二"
DRAFT = "下書きだけにある文甲"
DRAFT_2 = "再開後の下書きの文乙"
RETURN_COMMENT = "差戻し理由の文丙"
APPROVE_COMMENT = "承認時の所見の文丁"
REVIEWER_NAME = "審査担当 漏洩確認"
EDITOR_NAME = "担当者 漏洩確認"
SECRETS = [
    DRAFT,
    DRAFT_2,
    RETURN_COMMENT,
    APPROVE_COMMENT,
    REVIEWER_NAME,
    EDITOR_NAME,
    "leakcheck-",
]

SKIP_PREFIXES = ("/staff/", "/admin/", "/accounts/", "/static/", "/api/")


def _text_of(content_type: str, data: bytes, tmp_path) -> str:
    if content_type.startswith("application/pdf"):
        path = tmp_path / "crawl.pdf"
        path.write_bytes(data)
        return subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(path), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    if content_type.startswith("application/zip"):
        archive = zipfile.ZipFile(io.BytesIO(data))
        return "\n".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
    return data.decode("utf-8-sig")


def crawl(client, tmp_path, extra: tuple[str, ...] = ()) -> dict[str, str]:
    """Every public URL reachable from / (and `extra`), with the text of what it serves."""
    seen: dict[str, str] = {}
    queue = deque(["/", "/search/", "/reports/2024/", "/reports/2024/editions/", *extra])
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        data = b"".join(response.streaming_content) if response.streaming else response.content
        text = (
            _text_of(response.get("Content-Type", ""), data, tmp_path)
            if response.status_code == 200
            else ""
        )
        seen[url] = text
        if response.get("Content-Type", "").startswith("text/html"):
            for href in re.findall(r'href="([^"#]+)', text):
                target = urljoin(url, href.replace("&amp;", "&"))
                parts = urlsplit(target)
                if parts.netloc or target.startswith(SKIP_PREFIXES):
                    continue
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


def assert_no_secrets(pages: dict[str, str]) -> None:
    for url, text in pages.items():
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} leaked at {url}"


def assert_search_finds_nothing_secret(client) -> None:
    for secret in SECRETS:
        page = client.get("/search/", {"q": secret}).content.decode()
        assert "見つかりませんでした" in page, secret
        assert 'class="search-result"' not in page


def _write(section: Section, heading: str, text: str) -> None:
    item = Item.objects.filter(section=section, parent=None).order_by("position").first()
    item.heading = heading
    item.save()
    block = item.blocks.filter(kind="text").first()
    block.data = {"paragraphs": [text]}
    block.save()


def _event(section: Section, action: str, actor, comment: str) -> None:
    content = section_content(section)
    snapshot = SectionSnapshot.objects.create(
        section=section,
        section_version=section.version,
        content=content,
        checksum=sha256(canonical_json(content)),
    )
    SectionEvent.objects.create(
        section=section,
        action=action,
        from_state=section.state,
        to_state=section.state,
        actor=actor,
        snapshot=snapshot,
        section_version=section.version,
        comment=comment,
    )


def test_nothing_but_published_content_is_ever_public(
    client, tmp_path, django_capture_on_commit_callbacks
):
    planning = factories.make_department("kikaku-seisaku", "企画政策課", display_order=10)
    zaisei = factories.make_department("zaisei", "財政課", display_order=30)
    reviewer = factories.make_user(
        "leakcheck-reviewer", department=planning, reviewer=True, head=True
    )
    editor = factories.make_user("leakcheck-editor", department=zaisei, editor=True)
    reviewer.full_name, editor.full_name = REVIEWER_NAME, EDITOR_NAME
    reviewer.save()
    editor.save()
    report = factories.make_report(2024)
    sections = []
    for department in (planning, zaisei):
        section = factories.make_section(department, report)
        sample.fill_section(section, items=4, tables=2)
        Section.objects.filter(pk=section.pk).update(updated_by=editor)
        sections.append(section)

    # 1. Drafts with draft-only text; a returned section with the reviewer's comment.
    for section in sections:
        _write(section, f"見出し{DRAFT}", DRAFT)
    _event(sections[1], "return", reviewer, RETURN_COMMENT)
    factories.set_state(sections[1], Section.State.RETURNED)
    pages = crawl(client, tmp_path)
    assert_no_secrets(pages)
    assert client.get("/reports/2024/").status_code == 404
    assert_search_finds_nothing_secret(client)

    # 2. A reviewer's preview of the drafts (案) exists but is not public.
    with django_capture_on_commit_callbacks(execute=True):
        preview = assembly.build_preview(target=report, user=reviewer)
    preview.refresh_from_db()
    assert preview.status == "succeeded"
    assert DRAFT in (assembly.build_dir(preview) / "all.html").read_text()
    assert_no_secrets(crawl(client, tmp_path))

    # 3. Approved and published: only the approved text is public.
    for section in sections:
        _write(section, "各種協議会等関係", PUBLIC_1)
        section.refresh_from_db()
        sample.approve(section, reviewer)
    _event(sections[0], "approve", reviewer, APPROVE_COMMENT)
    sample.approve_report(report, reviewer)
    ReportEvent.objects.create(
        report=report, action="approve", actor=reviewer, comment=APPROVE_COMMENT
    )
    build = run_assembly(report, reviewer)
    assert build.is_published
    pages = crawl(client, tmp_path)
    assert_no_secrets(pages)
    for url in ("/reports/2024/zaisei/", "/reports/2024/all/", "/reports/2024/report.pdf"):
        assert PUBLIC_1 in pages[url], url  # the crawl sees the real content
    # It reached every file of the build: pages, each CSV, the index, the ZIP.
    served = {f"/reports/2024/{name}" for name in build.manifest if not name.endswith(".html")}
    assert served <= set(pages), served - set(pages)
    assert (
        "/reports/2024/kikaku-seisaku/" in pages and "/reports/2024/editions/1/report.pdf" in pages
    )
    assert 'class="search-result"' in client.get("/search/", {"q": PUBLIC_1}).content.decode()
    assert_search_finds_nothing_secret(client)

    # 4. Reopened for a correction, with new draft text: the public still sees edition 1 only.
    factories.set_state(sections[1], Section.State.DRAFT)
    AnnualReport.objects.filter(pk=report.pk).update(state=AnnualReport.State.PREPARING)
    _write(sections[1], f"見出し{DRAFT_2}", DRAFT_2)
    _event(sections[1], "reopen", reviewer, RETURN_COMMENT)
    pages = crawl(client, tmp_path)
    assert_no_secrets(pages)
    assert PUBLIC_1 in pages["/reports/2024/zaisei/"]

    # 5. Re-approved: edition 2 replaces it; edition 1 stays listed.
    _write(sections[1], "各種協議会等関係", PUBLIC_2)
    sections[1].refresh_from_db()
    sample.approve(sections[1], reviewer)
    sample.approve_report(report, reviewer)
    second = run_assembly(report, reviewer)
    assert second.edition == 2
    pages = crawl(client, tmp_path, extra=("/reports/2024/editions/1/report.pdf",))
    assert_no_secrets(pages)
    assert (
        PUBLIC_2 in pages["/reports/2024/zaisei/"]
        and PUBLIC_1 not in pages["/reports/2024/zaisei/"]
    )
    assert PUBLIC_1 in pages["/reports/2024/editions/1/report.pdf"]
    assert_search_finds_nothing_secret(client)
