"""One version number (issue 16, defect 2): the content version, 第N版 the same everywhere.

`Section.version` stays the concurrency token (every save and every transition raise it);
`Section.content_version` rises only when a save changes the content, transitions refer to
the content version they acted on, and every screen, export and the build input show it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from importlib import import_module
from types import SimpleNamespace

import pytest
import time_machine
from django.apps import apps as django_apps
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from reports.models import Section, SectionEvent, SectionRevision, SectionSnapshot
from reports.services import assembly, workflow
from reports.services import content as svc
from reports.snapshot import section_content
from tests import factories
from tests.workflow.helpers import fill

migration = import_module("reports.migrations.0008_content_version")


def _numbers(section: Section) -> list[int]:
    return list(
        SectionRevision.objects.filter(section=section)
        .order_by("id")
        .values_list("content_version", flat=True)
    )


def _filled_by_services(section: Section, editor) -> Section:
    """Content that passes submission, saved through the services (one revision, 第1版)."""
    fill(section)
    content = section_content(section, resolve=False)
    svc.section_replace_content(section=section, content=content, user=editor, summary="取込み")
    section.refresh_from_db()
    return section


# -- saves -------------------------------------------------------------------------------------


def test_a_save_that_changes_content_raises_it_by_one_and_an_identical_save_does_not(
    section, editor
):
    assert section.content_version == 0
    item = svc.item_create(section=section, user=editor, heading="市民ポスト")
    section.refresh_from_db()
    assert section.content_version == 1
    block = svc.block_create(item=item, user=editor, kind="text", data={"paragraphs": ["２５か所"]})
    section.refresh_from_db()
    assert section.content_version == 2
    token = section.version

    same = svc.block_update(
        block=block, user=editor, data={"paragraphs": ["２５か所"]}, expected_version=1
    )
    section.refresh_from_db()
    assert section.content_version == 2 and section.version == token
    assert _numbers(section) == [1, 2]

    svc.block_update(block=same, user=editor, data={"paragraphs": ["２６か所"]}, expected_version=1)
    section.refresh_from_db()
    assert section.content_version == 3
    assert _numbers(section) == [1, 2, 3]
    latest = SectionRevision.objects.filter(section=section).order_by("-id").first()
    assert latest.content_version == 3 and latest.section_version == section.version


def test_replacing_with_identical_content_records_it_under_the_same_number(section, editor):
    svc.item_create(section=section, user=editor, heading="市民ポスト")
    section.refresh_from_db()
    before_token = section.version
    content = section_content(section, resolve=False)
    svc.section_replace_content(section=section, content=content, user=editor, summary="取込み")
    section.refresh_from_db()
    assert section.content_version == 1
    assert section.version == before_token + 1  # the token still moves: a write happened
    latest = SectionRevision.objects.filter(section=section).order_by("-id").first()
    assert latest.content_version == 1 and latest.summary == "取込み（内容の変更なし）"


def test_a_restore_is_a_new_version_and_names_the_version_it_put_back(client, section, editor):
    item = svc.item_create(section=section, user=editor, heading="市民ポスト")
    first = SectionRevision.objects.get(section=section)
    svc.item_update(item=item, user=editor, heading="変えた見出し", expected_version=item.version)
    section.refresh_from_db()
    assert section.content_version == 2
    client.force_login(editor)
    response = client.post(
        reverse("section-restore", args=[section.pk, first.pk]),
        {"version": section.version},
        follow=True,
    )
    section.refresh_from_db()
    assert section.content_version == 3
    latest = SectionRevision.objects.filter(section=section).order_by("-id").first()
    assert latest.content_version == 3 and latest.summary.startswith("第1版（")
    assert "第1版（" in response.content.decode()  # the flash message


# -- transitions -------------------------------------------------------------------------------


def test_transitions_do_not_change_it_and_their_events_record_the_version_acted_on(
    section, editor, head, reviewer
):
    section = _filled_by_services(section, editor)
    assert section.content_version == 1
    token = section.version
    workflow.section_submit(section=section, user=editor, seen_version=token)
    workflow.section_forward(section=section, user=head)
    workflow.section_return(section=section, user=reviewer, comment="直してください。")
    section.refresh_from_db()
    assert section.content_version == 1 and section.version == token + 3

    svc.item_create(section=section, user=editor, heading="追加した項目")
    svc.block_create(
        item=section.items.get(heading="追加した項目"),
        user=editor,
        kind="text",
        data={"paragraphs": ["追記した。"]},
    )
    workflow.section_submit(section=section, user=editor)
    workflow.section_forward(section=section, user=head)
    workflow.section_approve(section=section, user=reviewer)
    section.refresh_from_db()
    assert section.content_version == 3

    events = list(SectionEvent.objects.filter(section=section).order_by("id"))
    assert [(e.action, e.content_version) for e in events] == [
        ("submit", 1),
        ("forward", 1),
        ("return", 1),
        ("submit", 3),
        ("forward", 3),
        ("approve", 3),
    ]
    assert events[-1].snapshot.content_version == 3
    assert events[0].snapshot.content_version == 1
    assert events[-1].section_version != 3  # the token is a different, larger sequence


def test_the_success_message_names_the_version_acted_on(client, section, editor):
    section = _filled_by_services(section, editor)
    client.force_login(editor)
    response = client.post(
        reverse("workflow-section-transition", args=[section.pk, "submit"]),
        {"version": section.version},
        follow=True,
    )
    assert "第1版を提出しました。" in response.content.decode()


# -- every screen ------------------------------------------------------------------------------


def _versions_shown(html: str) -> set[str]:
    return set(re.findall(r"第(\d+)版", html))


def test_every_screen_names_the_same_content_by_the_same_number(
    client, section, editor, head, reviewer
):
    section = _filled_by_services(section, editor)
    svc.item_create(section=section, user=editor, heading="追加した項目")
    svc.block_create(
        item=section.items.get(heading="追加した項目"),
        user=editor,
        kind="text",
        data={"paragraphs": ["追記した。"]},
    )
    workflow.section_submit(section=section, user=editor)
    section.refresh_from_db()
    assert section.content_version == 3
    token = str(section.version)
    assert token != "3"

    client.force_login(editor)
    editor_page = client.get(reverse("section-editor", args=[section.pk])).content.decode()
    header = editor_page.split('class="editor-header__meta"', 1)[1].split("</p>", 1)[0]
    assert "第3版" in header and f"第{token}版" not in editor_page
    history = client.get(reverse("section-history", args=[section.pk])).content.decode()
    assert _versions_shown(history) == {"1", "2", "3"}
    latest = SectionRevision.objects.filter(section=section).order_by("-id").first()
    revision = client.get(
        reverse("section-revision", args=[section.pk, latest.pk])
    ).content.decode()
    assert "<h1>第3版の変更</h1>" in revision and "第2版（" in revision
    sections_list = client.get(
        reverse("report-sections", args=[section.report.fiscal_year])
    ).content.decode()
    assert "<td>第3版</td>" in sections_list

    client.force_login(reviewer)
    review = client.get(reverse("workflow-section-review", args=[section.pk])).content.decode()
    assert "（第3版）" in review and f"第{token}版" not in review
    audit = client.get("/staff/reports/2024/audit/").content.decode()
    assert "第3版" in audit and f"第{token}版" not in audit
    response = client.get("/staff/reports/2024/audit.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode()[1:])))
    assert rows[0][9] == "内容の版" and rows[1][9] == "3"

    workflow.section_forward(section=section, user=head)
    workflow.section_approve(section=section, user=reviewer)
    section.refresh_from_db()
    build = assembly.release_build_for(report=section.report, requested_by=reviewer)
    entry = build.content_version["sections"][0]
    assert entry["content_version"] == 3
    builds = client.get("/staff/reports/2024/builds/").content.decode()
    assert "市長公室 第3版" in builds and f"第{section.version}版" not in builds


def test_the_review_page_names_the_version_shown_and_the_version_returned(
    client, section, editor, head, reviewer
):
    section = _filled_by_services(section, editor)
    workflow.section_submit(section=section, user=editor)
    workflow.section_forward(section=section, user=head)
    workflow.section_return(section=section, user=reviewer, comment="直してください。")
    svc.item_create(section=section, user=editor, heading="追加した項目")
    svc.block_create(
        item=section.items.get(heading="追加した項目"),
        user=editor,
        kind="text",
        data={"paragraphs": ["追記した。"]},
    )
    workflow.section_submit(section=section, user=editor)
    workflow.section_forward(section=section, user=head)
    client.force_login(reviewer)
    html = client.get(reverse("workflow-section-review", args=[section.pk])).content.decode()
    assert '<h2 id="content-heading">内容（第3版）</h2>' in html
    assert "前回の差戻し時（第1版、" in html


def test_an_empty_section_is_shown_as_not_yet_saved(client, section, editor):
    client.force_login(editor)
    page = client.get(reverse("section-editor", args=[section.pk])).content.decode()
    header = page.split('class="editor-header__meta"', 1)[1].split("</p>", 1)[0]
    assert "保存前" in header and "第1版" not in header


def test_the_api_gives_content_version_beside_the_token(section, editor, reviewer):
    from rest_framework.test import APIClient

    section = _filled_by_services(section, editor)
    workflow.section_submit(section=section, user=editor)
    section.refresh_from_db()
    api = APIClient()
    api.force_authenticate(reviewer)
    body = api.get(f"/api/v1/sections/{section.pk}/").json()
    assert body["content_version"] == 1 and body["version"] == section.version
    assert body["version"] != body["content_version"]
    events = api.get(f"/api/v1/events/?section={section.pk}").json()["results"]
    assert [e["content_version"] for e in events] == [1]
    snapshots = api.get(f"/api/v1/snapshots/?section={section.pk}").json()["results"]
    assert [s["content_version"] for s in snapshots] == [1]


# -- the migration's backfill ------------------------------------------------------------------


def _at(hour: int):
    return time_machine.travel(dt.datetime(2025, 4, 1, hour, tzinfo=dt.UTC), tick=False)


@pytest.mark.django_db
def test_the_backfill_numbers_a_hand_built_history(section, editor, zaisei):
    other = factories.make_section(zaisei, section.report)
    content = {"department": "x", "department_name": "x", "items": []}

    def revision(target: Section, version: int) -> SectionRevision:
        return SectionRevision.objects.create(
            section=target, section_version=version, user=editor, summary="編集", content=content
        )

    def event(target: Section, version: int) -> SectionEvent:
        snapshot = SectionSnapshot.objects.create(
            section=target, section_version=version, content={}, checksum=f"{version:064d}"
        )
        return SectionEvent.objects.create(
            section=target,
            action="submit",
            from_state="draft",
            to_state="awaiting_head",
            actor=editor,
            snapshot=snapshot,
            section_version=version,
        )

    with _at(1):
        r1 = revision(section, 2)
    with _at(2):
        r2 = revision(section, 3)
    with _at(3):
        e1 = event(section, 3)
        e_other = event(other, 1)
    with _at(4):
        r3 = revision(section, 5)  # the token skipped 4: a transition consumed it
    with _at(5):
        e2 = event(section, 5)

    migration.backfill(django_apps, SimpleNamespace(connection=connection))

    assert [SectionRevision.objects.get(pk=r.pk).content_version for r in (r1, r2, r3)] == [
        1,
        2,
        3,
    ]
    assert SectionEvent.objects.get(pk=e1.pk).content_version == 2
    assert SectionEvent.objects.get(pk=e2.pk).content_version == 3
    assert SectionEvent.objects.get(pk=e_other.pk).content_version == 0
    assert SectionSnapshot.objects.get(pk=e1.snapshot_id).content_version == 2
    assert Section.objects.get(pk=section.pk).content_version == 3
    assert Section.objects.get(pk=other.pk).content_version == 0

    # the append-only guard is back: the database still refuses to rewrite an event
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE reports_sectionevent SET comment = 'x' WHERE id = %s", [e1.pk])
