"""Backup and restore (issue 19, proof 7): back up, change things, restore into an empty
database and media folder, and the published files are byte-identical and the staff side has
the same content and history. Runs on the suite's database (SQLite, or PostgreSQL when
DATABASE_URL is set: pg_dump / pg_restore)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from reports.models import (
    Build,
    Item,
    ReportEvent,
    Section,
    SectionEvent,
    SectionRevision,
)
from reports.services import assembly
from reports.services import backup as backup_service
from reports.snapshot import section_content
from tests.assembly import sample
from tests.assembly.fixtures import run_assembly

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = [
    "/reports/2024/",
    "/reports/2024/all/",
    "/reports/2024/zaisei/",
    "/reports/2024/report.pdf",
    "/reports/2024/data.zip",
    "/reports/2024/data/index.json",
    "/reports/2024/data/zaisei-01.csv",
    "/reports/2024/editions/",  # not a file of the build: the view answers from the database
]


def _content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _public(client) -> dict[str, tuple[int, str]]:
    out = {}
    for url in PAGES:
        response = client.get(url)
        out[url] = (response.status_code, hashlib.sha256(_content(response)).hexdigest())
    return out


def _files(build: Build) -> dict[str, bytes]:
    root = assembly.build_dir(build)
    return {name: (root / name).read_bytes() for name in sorted(build.manifest)}


def _staff_side() -> dict:
    """What staff see of content and history, row for row."""
    return {
        "sections": {
            s.pk: (s.version, s.state, section_content(s)) for s in Section.objects.order_by("pk")
        },
        "revisions": list(SectionRevision.objects.order_by("pk").values()),
        "events": list(SectionEvent.objects.order_by("pk").values()),
        "report_events": list(ReportEvent.objects.order_by("pk").values()),
        "builds": list(
            Build.objects.order_by("pk").values(
                "pk", "status", "edition", "published_at", "manifest"
            )
        ),
    }


def _empty_database() -> None:
    """Make the suite's database empty, as a new one would be."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    else:
        name = connection.settings_dict["NAME"]
        connection.close()
        os.remove(name)
    assert backup_service.database_tables() == []


@pytest.fixture
def published(planning_head, django_capture_on_commit_callbacks):
    report = sample.make_approved_report(items=6, tables=4, reviewer=planning_head)
    section = Section.objects.filter(report=report).order_by("pk").first()
    for version in (1, 2):
        SectionRevision.objects.create(
            section=section,
            section_version=version,
            user=planning_head,
            summary=f"見出しを変更（第{version}版）",
            content=section_content(section, resolve=False),
        )
    with django_capture_on_commit_callbacks(execute=True):
        build = run_assembly(report, planning_head)
    build.refresh_from_db()
    assert build.published_at is not None
    return build


def _change_things(build: Build, planning_head) -> None:
    """After the backup: content edited, history grown, a published file damaged."""
    item = Item.objects.filter(section__report=build.report).order_by("pk").first()
    Item.objects.filter(pk=item.pk).update(heading="バックアップ後に変えた見出し")
    SectionRevision.objects.create(
        section=item.section,
        section_version=99,
        user=planning_head,
        summary="バックアップ後の変更",
        content={},
    )
    (assembly.build_dir(build) / "report.pdf").write_bytes(b"%PDF-1.7 damaged")


def test_backup_then_restore_into_an_empty_database_and_media_folder(
    client, published, planning_head, settings, tmp_path, capsys
):
    before_public = _public(client)
    assert all(status == 200 for status, _ in before_public.values()), before_public
    before_files = _files(published)
    before_staff = _staff_side()
    assert len(before_staff["revisions"]) == 2

    call_command("backup", str(tmp_path / "backup"))
    assert "バックアップしました" in capsys.readouterr().out
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["database"]["engine"] == connection.vendor
    assert manifest["database"]["counts"]["revisions"] == 2
    media_names = set(manifest["media"]["files"])
    assert {
        f"{assembly.build_dir(published).relative_to(Path(settings.MEDIA_ROOT))}/{name}"
        for name in published.manifest
    } <= media_names
    assert "public/2024.json" in media_names

    _change_things(published, planning_head)
    assert _staff_side() != before_staff
    assert client.get("/reports/2024/report.pdf").status_code == 503  # the damage is refused

    _empty_database()
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    call_command("restore", str(tmp_path / "backup"))
    out = capsys.readouterr().out
    assert "復元しました" in out and "2024年度" in out

    published.refresh_from_db()
    assert _files(published) == before_files
    assert _public(client) == before_public
    assert _staff_side() == before_staff


@pytest.fixture
def backed_up(published, tmp_path):
    call_command("backup", str(tmp_path / "backup"), stdout=open(os.devnull, "w"))
    return tmp_path / "backup"


def _media_state(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_restore_refuses_a_target_that_is_not_empty_and_changes_nothing(
    backed_up, published, planning_head, settings
):
    _change_things(published, planning_head)
    staff, media = _staff_side(), _media_state(Path(settings.MEDIA_ROOT))
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(backed_up))
    assert "空ではありません" in str(refused.value) and "--force" in str(refused.value)
    assert _staff_side() == staff
    assert _media_state(Path(settings.MEDIA_ROOT)) == media


def test_restore_with_force_replaces_what_is_there(
    backed_up, published, planning_head, client, settings
):
    before_files = _files(published)
    _change_things(published, planning_head)
    call_command("restore", str(backed_up), "--force", stdout=open(os.devnull, "w"))
    published.refresh_from_db()
    assert _files(published) == before_files
    assert not SectionRevision.objects.filter(section_version=99).exists()
    assert _content(client.get("/reports/2024/report.pdf")) == before_files["report.pdf"]


@pytest.mark.parametrize("damaged", ["media.tar", "database"])
def test_restore_refuses_a_backup_whose_checksum_does_not_match(
    backed_up, damaged, settings, tmp_path
):
    manifest = json.loads((backed_up / "manifest.json").read_text(encoding="utf-8"))
    name = manifest["database"]["file"] if damaged == "database" else damaged
    with (backed_up / name).open("r+b") as handle:
        handle.seek(100)
        handle.write(b"\0garbage\0")
    _empty_database()
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(backed_up))
    assert "チェックサム" in str(refused.value) and name in str(refused.value)
    assert backup_service.database_tables() == []
    assert not Path(settings.MEDIA_ROOT).exists()
    # The suite flushes the database after the test: give it back its tables.
    call_command("migrate", verbosity=0)


def test_restore_refuses_a_folder_without_a_manifest(backed_up, tmp_path):
    (backed_up / "manifest.json").unlink()
    with pytest.raises(CommandError, match="目録"):
        call_command("restore", str(backed_up))


def test_backup_refuses_a_folder_that_is_not_empty(published, tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "keep.txt").write_text("大事なファイル", encoding="utf-8")
    with pytest.raises(CommandError, match="空ではありません"):
        call_command("backup", str(target))
    assert [p.name for p in target.iterdir()] == ["keep.txt"]
