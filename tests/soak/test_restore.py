"""The restore drill (issue 19, proof 7) on PostgreSQL with the soak's servers.

Publish a report through the real worker, read what the public site and the staff side show,
`make backup`, change things (content, history, a published file on disk), `make restore` into
a new empty database and an empty media folder, start a second gunicorn on the restored copy,
and compare: every published file byte for byte, the staff pages and API of content and history,
and the content and history tables row for row.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
import requests
from django.conf import settings
from django.db import connection

from reports.models import Build, Item, Section, SectionRevision
from reports.services import assembly
from reports.snapshot import section_content
from reports.tasks.assembly import assemble_report
from tests import factories
from tests.assembly import sample
from tests.soak.conftest import _port_open, api_client, database_url, figure, session_for, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

# The restored copy's gunicorn, clear of the ports the harness and other soak tests use.
RESTORED_PORT_OFFSET = 9

# Content and history, row for row (the tables staff work on and the published record).
TABLES = [
    "reports_annualreport",
    "reports_section",
    "reports_item",
    "reports_block",
    "reports_sectionrevision",
    "reports_sectionsnapshot",
    "reports_sectionevent",
    "reports_reportevent",
    "reports_build",
    "reports_searchentry",
]

# A CSRF token and a CSP nonce differ on every page view: they are not content.
VOLATILE = re.compile(rb'(name="csrfmiddlewaretoken" value=|nonce=|"csrfToken": ?)"[^"]*"')


def public_url(fiscal_year: int, name: str) -> str | None:
    """The public site's URL of a build's file (reports.public_files.ROUTE, inverted)."""
    base = f"/reports/{fiscal_year}/"
    fixed = {
        "index.html": base,
        "all.html": base + "all/",
        "report.pdf": base + "report.pdf",
        "data.zip": base + "data.zip",
        "data/index.json": base + "data/index.json",
    }
    if name in fixed:
        return fixed[name]
    if match := re.fullmatch(r"departments/([-a-zA-Z0-9_]+)\.html", name):
        return base + match[1] + "/"
    if match := re.fullmatch(r"data/([-a-zA-Z0-9_]+)\.csv", name):
        return base + f"data/{match[1]}.csv"
    return None


def rows(url: str) -> dict[str, list[tuple]]:
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        out = {}
        for table in TABLES:
            out[table] = conn.execute(f'SELECT * FROM "{table}" ORDER BY id').fetchall()  # noqa: S608
        return out


def make(target: str, env: dict, **extra: str) -> subprocess.CompletedProcess:
    argv = ["make", "-s", target, f"PY={sys.executable}", *[f"{k}={v}" for k, v in extra.items()]]
    return subprocess.run(
        argv, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=300
    )


def admin_sql(url: str, statement: str) -> None:
    maintenance = re.sub(r"/[^/]*$", "/postgres", url.replace("postgres://", "postgresql://", 1))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(statement)


def test_restore_drill_serves_byte_identical_files_and_the_same_history(live):
    planning = factories.make_department("kikaku-seisaku", "企画政策課", display_order=10)
    approver = factories.make_user("kikaku-kacho", department=planning, head=True, reviewer=True)
    report = sample.make_approved_report(departments=3, items=4, tables=2, reviewer=approver)
    sections = list(Section.objects.filter(report=report).order_by("pk"))
    for section in sections:
        SectionRevision.objects.create(
            section=section,
            section_version=section.version,
            user=approver,
            summary="内容を入力",
            content=section_content(section, resolve=False),
        )
    assemble_report.delay(report_id=report.pk, requested_by_id=approver.pk)
    build = wait_for(
        lambda: Build.objects.filter(report=report, status__in=["succeeded", "failed"]).first(),
        "the build",
    )
    assert build.status == Build.Status.SUCCEEDED, build.error
    build.refresh_from_db()
    assert build.published_at is not None

    # What the public site and the staff side show before the backup.
    urls = {name: public_url(report.fiscal_year, name) for name in build.manifest}
    urls = {name: url for name, url in urls.items() if url}
    urls["editions"] = f"/reports/{report.fiscal_year}/editions/"  # a view: from the database
    assert len(urls) >= 8, urls

    def public(base: str) -> dict[str, tuple[int, str, int]]:
        out = {}
        for name, url in urls.items():
            response = requests.get(base + url, timeout=60)
            out[name] = (
                response.status_code,
                hashlib.sha256(response.content).hexdigest(),
                len(response.content),
            )
        return out

    staff = session_for(live, approver)  # sessions and tokens are in the backup too
    api = api_client(live, approver)
    staff_paths = [f"/staff/sections/{s.pk}/history/" for s in sections]
    api_paths = [f"/api/v1/sections/{s.pk}/" for s in sections] + [
        f"/api/v1/events/?section={s.pk}" for s in sections
    ]

    def staff_side(base: str) -> dict[str, object]:
        out: dict[str, object] = {}
        for path in staff_paths:
            response = staff.get(base + path, timeout=60)
            out[path] = (response.status_code, VOLATILE.sub(b"", response.content))
        for path in api_paths:
            response = api.get(base + path, timeout=60)
            out[path] = (response.status_code, response.json())
        return out

    before_public = public(live.base_url)
    assert all(status == 200 for status, _, _ in before_public.values()), before_public
    # The files on disk are the build's record.
    root = assembly.build_dir(build)
    for name, entry in build.manifest.items():
        assert hashlib.sha256((root / name).read_bytes()).hexdigest() == entry["sha256"]
    before_staff = staff_side(live.base_url)
    assert all(value[0] == 200 for value in before_staff.values())
    original_url = database_url(connection.settings_dict)
    before_rows = rows(original_url)

    backup_dir = Path(settings.SOAK_VAR) / "restore-drill" / "backup"
    env = {**live.env}
    started = time.monotonic()
    done = make("backup", env, BACKUP_DIR=str(backup_dir))
    backup_seconds = time.monotonic() - started
    assert done.returncode == 0, done.stdout + done.stderr
    assert (backup_dir / "manifest.json").is_file()
    backup_bytes = sum(p.stat().st_size for p in backup_dir.iterdir())

    # Change things after the backup: content, history, and a published file on disk.
    item = Item.objects.filter(section=sections[0]).order_by("pk").first()
    Item.objects.filter(pk=item.pk).update(heading="バックアップ後に変えた見出し")
    SectionRevision.objects.create(
        section=sections[0], section_version=99, user=approver, summary="後の変更", content={}
    )
    (root / "report.pdf").write_bytes(b"%PDF-1.7 damaged after the backup")
    assert rows(original_url) != before_rows
    damaged = requests.get(live.url(urls["report.pdf"]), timeout=60)
    assert damaged.status_code == 503 and b"damaged" not in damaged.content
    # That 503 was asked for (any other 5xx is not): once it is logged, count from after it.
    wait_for(
        lambda: (503, "GET", urls["report.pdf"]) in live.access_lines()[live.mark :],
        "the refused request in the access log",
        timeout=20,
    )
    live.mark = len(live.access_lines())

    # Restore into a new, empty database and an empty media folder.
    restored_name = f"{connection.settings_dict['NAME']}_restored"
    restored_url = re.sub(r"/[^/]*$", f"/{restored_name}", original_url)
    restored_media = Path(settings.SOAK_VAR) / "restore-drill" / "media"
    admin_sql(original_url, f'DROP DATABASE IF EXISTS "{restored_name}"')
    admin_sql(original_url, f'CREATE DATABASE "{restored_name}"')
    restored_env = {**env, "DATABASE_URL": restored_url, "SOAK_MEDIA_ROOT": str(restored_media)}
    web = None
    try:
        started = time.monotonic()
        done = make("restore", restored_env, BACKUP_DIR=str(backup_dir))
        restore_seconds = time.monotonic() - started
        assert done.returncode == 0, done.stdout + done.stderr
        assert "復元しました" in done.stdout

        again = make("restore", restored_env, BACKUP_DIR=str(backup_dir))
        assert again.returncode != 0 and "空ではありません" in again.stdout + again.stderr

        port = settings.SOAK_PORT_BASE + RESTORED_PORT_OFFSET
        assert not _port_open(port), f"port {port} is taken"
        web = live._start(
            "web-restored",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "akiruno.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--threads",
                "4",
                "--timeout",
                "120",
            ],
            env={"DATABASE_URL": restored_url, "SOAK_MEDIA_ROOT": str(restored_media)},
        )
        wait_for(lambda: _port_open(port), "the restored copy's gunicorn", timeout=60)
        restored_base = f"http://127.0.0.1:{port}"

        after_public = public(restored_base)
        identical = sum(after_public[name] == before_public[name] for name in urls)
        published_bytes = sum(size for _, _, size in before_public.values())
        figure(
            f"restore: {identical}/{len(urls)} public files byte-identical after restore "
            f"({published_bytes:,} bytes); backup {backup_seconds:.1f}s ({backup_bytes:,} bytes), "
            f"restore {restore_seconds:.1f}s"
        )
        assert after_public == before_public

        after_staff = staff_side(restored_base)
        same_staff = sum(after_staff[path] == before_staff[path] for path in before_staff)
        after_rows = rows(restored_url)
        same_rows = sum(after_rows[t] == before_rows[t] for t in TABLES)
        row_count = sum(len(v) for v in before_rows.values())
        figure(
            f"restore: staff side {same_staff}/{len(before_staff)} pages and API answers the same; "
            f"{same_rows}/{len(TABLES)} content and history tables identical ({row_count} rows)"
        )
        assert after_staff == before_staff
        assert after_rows == before_rows
        assert live.new_errors() == []
    finally:
        if web is not None:
            live.stop("web-restored")
        admin_sql(original_url, f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')
