"""Backup and restore of the database and the media store, together (issue 19, proof 7).

A backup is one folder:

    manifest.json       what is in it, with a SHA-256 of every file (written last: a folder
                        without it is an interrupted backup and is never restored)
    database.dump       PostgreSQL: `pg_dump -Fc` of DATABASE_URL's database
    database.sqlite3    SQLite: a copy made with SQLite's online backup API
    media.tar           MEDIA_ROOT (published editions, the public pointers, uploads)

`restore` checks every checksum before it changes anything, refuses a target database that has
tables or a media folder that has files unless `force`, restores the database, unpacks the media
store beside MEDIA_ROOT, checks every file against the manifest, swaps it into place, rewrites the
public pointers and finally checks every published build's files against the build's own record.

Used by `manage.py backup <dir>` / `manage.py restore <dir>` (`make backup` / `make restore`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "akiruno-backup/1"
MANIFEST = "manifest.json"
MEDIA_TAR = "media.tar"
DATABASE_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator (Japanese)."""


@dataclass
class Outcome:
    """What a backup or restore did, for the command's output and the tests' figures."""

    directory: Path
    manifest: dict[str, Any]
    seconds: float = 0.0
    verified_builds: int = 0
    verified_files: int = 0
    pointers: list[int] = field(default_factory=list)


# -- helpers -----------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _vendor(alias: str) -> str:
    vendor = connections[alias].vendor
    if vendor not in DATABASE_FILES:
        raise BackupError(f"このデータベース（{vendor}）のバックアップには対応していません。")
    return vendor


def _pg_command(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} が見つかりません。PostgreSQL のクライアント（apt-get install "
            "postgresql-client、サーバーと同じ版）を導入してください。"
        )
    return found


def _pg_args(alias: str) -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for pg_dump / pg_restore."""
    conf = connections[alias].settings_dict
    args = []
    if conf.get("HOST"):
        args += ["--host", str(conf["HOST"])]
    if conf.get("PORT"):
        args += ["--port", str(conf["PORT"])]
    if conf.get("USER"):
        args += ["--username", str(conf["USER"])]
    env = {**os.environ}
    if conf.get("PASSWORD"):
        env["PGPASSWORD"] = str(conf["PASSWORD"])
    sslmode = (conf.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return args, env


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
    # argv is pg_dump/pg_restore found on PATH and our own settings, never user input.
    result = subprocess.run(argv, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise BackupError(
            f"{what}に失敗しました（終了コード {result.returncode}）: " + " / ".join(detail)
        )


def _media_files(root: Path) -> dict[str, list[Any]]:
    """Every regular file under root: relative path → [sha256, size]."""
    files: dict[str, list[Any]] = {}
    if not root.is_dir():
        return files
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            files[path.relative_to(root).as_posix()] = [sha256_of(path), path.stat().st_size]
    return files


def _has_files(root: Path) -> bool:
    return root.is_dir() and any(p.is_file() for p in root.rglob("*"))


def database_tables(alias: str = "default") -> list[str]:
    connection = connections[alias]
    with connection.cursor() as cursor:
        return sorted(connection.introspection.table_names(cursor))


def _counts(alias: str) -> dict[str, int]:
    from reports.models import AnnualReport, Build, Section, SectionEvent, SectionRevision

    return {
        "reports": AnnualReport.objects.using(alias).count(),
        "sections": Section.objects.using(alias).count(),
        "revisions": SectionRevision.objects.using(alias).count(),
        "events": SectionEvent.objects.using(alias).count(),
        "published_builds": Build.objects.using(alias).filter(published_at__isnull=False).count(),
    }


def _migrations(alias: str) -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in (
        MigrationRecorder(connections[alias])
        .migration_qs.order_by("app", "name")
        .values_list("app", "name")
    ):
        latest[app] = max(latest.get(app, ""), name)
    return latest


# -- backup ------------------------------------------------------------------------------------


def backup(
    directory: Path | str,
    *,
    alias: str = "default",
    force: bool = False,
    progress: Callable[[str], None] = lambda _: None,
) -> Outcome:
    """Write a backup of the database and MEDIA_ROOT into `directory` (new or empty)."""
    started = time.monotonic()
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise BackupError(f"{directory} はフォルダーではありません。")
    if directory.is_dir() and any(directory.iterdir()) and not force:
        raise BackupError(
            f"{directory} は空ではありません。別のフォルダーを指定するか、上書きするなら --force を付けてください。"
        )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MANIFEST).unlink(missing_ok=True)
    vendor = _vendor(alias)
    database_file = directory / DATABASE_FILES[vendor]
    progress(f"データベース（{vendor}）を書き出しています: {database_file}")
    if vendor == "postgresql":
        args, env = _pg_args(alias)
        name = connections[alias].settings_dict["NAME"]
        _run(
            [
                _pg_command("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                *args,
                "--file",
                str(database_file),
                str(name),
            ],
            env,
            "pg_dump",
        )
    else:
        connection = connections[alias]
        connection.ensure_connection()
        target = sqlite3.connect(str(database_file))
        try:
            connection.connection.backup(target)
        finally:
            target.close()

    media_root = Path(settings.MEDIA_ROOT)
    progress(f"保存ファイル（MEDIA_ROOT: {media_root}）をまとめています: {directory / MEDIA_TAR}")
    files = _media_files(media_root)
    with tarfile.open(directory / MEDIA_TAR, "w") as archive:
        for relative in files:
            archive.add(media_root / relative, arcname=relative, recursive=False)

    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "database": {
            "engine": vendor,
            "file": database_file.name,
            "sha256": sha256_of(database_file),
            "size": database_file.stat().st_size,
            "migrations": _migrations(alias),
            "counts": _counts(alias),
        },
        "media": {
            "file": MEDIA_TAR,
            "sha256": sha256_of(directory / MEDIA_TAR),
            "size": (directory / MEDIA_TAR).stat().st_size,
            "files": files,
        },
    }
    # The manifest last, atomically: without it the folder is an interrupted backup.
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".manifest-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, ensure_ascii=False, indent=1, sort_keys=True)
    os.replace(tmp, directory / MANIFEST)
    return Outcome(directory=directory, manifest=manifest, seconds=time.monotonic() - started)


# -- restore -----------------------------------------------------------------------------------


def read_manifest(directory: Path | str) -> dict[str, Any]:
    """The manifest of a backup, every checksum verified; raises BackupError otherwise."""
    directory = Path(directory)
    path = directory / MANIFEST
    if not path.is_file():
        raise BackupError(
            f"{directory} にバックアップの目録（{MANIFEST}）がありません。"
            "バックアップのフォルダーではないか、途中で止まったバックアップです。"
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        parts = [manifest["database"], manifest["media"]]
        if manifest.get("format") != FORMAT:
            raise ValueError(manifest.get("format"))
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"バックアップの目録（{MANIFEST}）を読めません: {exc}") from None
    for part in parts:
        file = directory / str(part["file"])
        if Path(part["file"]).name != part["file"] or not file.is_file():
            raise BackupError(f"バックアップのファイル {part['file']} がありません。")
        if sha256_of(file) != part["sha256"]:
            raise BackupError(
                f"バックアップのファイル {part['file']} のチェックサムが目録と一致しません"
                "（壊れているか、書き換えられています）。復元しません。"
            )
    return manifest


def _unpack_media(directory: Path, manifest: dict[str, Any], media_root: Path) -> Path:
    """Unpack the media store into a new folder beside MEDIA_ROOT and check every file."""
    media_root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=media_root.parent, prefix=f".{media_root.name}-restore-"))
    try:
        with tarfile.open(directory / manifest["media"]["file"], "r") as archive:
            archive.extractall(staging, filter="data")
        expected = manifest["media"]["files"]
        found = _media_files(staging)
        if found != expected:
            wrong = sorted(set(found) ^ set(expected)) or sorted(
                name for name in expected if found.get(name) != expected[name]
            )
            raise BackupError(
                "保存ファイルの内容が目録と一致しません: "
                + "、".join(wrong[:5])
                + "。復元しません。"
            )
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def _restore_database(directory: Path, manifest: dict[str, Any], alias: str, force: bool) -> None:
    vendor = manifest["database"]["engine"]
    file = directory / manifest["database"]["file"]
    connection = connections[alias]
    if vendor == "postgresql":
        args, env = _pg_args(alias)
        name = connection.settings_dict["NAME"]
        connection.close()
        argv = [
            _pg_command("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            *args,
            "--dbname",
            str(name),
        ]
        if force:
            argv += ["--clean", "--if-exists"]
        _run([*argv, str(file)], env, "pg_restore")
    else:
        connection.close()
        name = connection.settings_dict["NAME"]
        source = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
        target = sqlite3.connect(str(name))
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()


def verify_published(alias: str = "default") -> tuple[int, int]:
    """Every published build's files on disk match the build's record: (builds, files)."""
    from reports.models import Build
    from reports.services import assembly

    builds = files = 0
    wrong: list[str] = []
    for build in Build.objects.using(alias).filter(published_at__isnull=False).order_by("pk"):
        root = assembly.build_dir(build)
        builds += 1
        for name, entry in sorted((build.manifest or {}).items()):
            path = root / name
            if not path.is_file() or sha256_of(path) != entry.get("sha256"):
                wrong.append(f"構築#{build.pk} {name}")
            files += 1
    if wrong:
        raise BackupError(
            "復元した公開版のファイルが構築の記録と一致しません: " + "、".join(wrong[:5])
        )
    return builds, files


def restore(
    directory: Path | str,
    *,
    alias: str = "default",
    force: bool = False,
    progress: Callable[[str], None] = lambda _: None,
) -> Outcome:
    """Restore a backup into the configured database and MEDIA_ROOT (both empty unless force)."""
    from reports.public_files import rewrite_pointers

    started = time.monotonic()
    directory = Path(directory)
    manifest = read_manifest(directory)
    progress("バックアップのチェックサムを確かめました。")
    vendor = _vendor(alias)
    if manifest["database"]["engine"] != vendor:
        raise BackupError(
            f"このバックアップは {manifest['database']['engine']} のものです。"
            f"復元先のデータベースは {vendor} です。"
        )
    media_root = Path(settings.MEDIA_ROOT)
    refusals = []
    tables = database_tables(alias)
    if tables and not force:
        refusals.append(f"復元先のデータベースは空ではありません（テーブル {len(tables)} 個）。")
    if _has_files(media_root) and not force:
        refusals.append(f"復元先の保存フォルダー {media_root} は空ではありません。")
    if refusals:
        raise BackupError(
            "".join(refusals) + "空のデータベースと保存フォルダーに復元するか、"
            "今の内容を捨てて上書きするなら --force を付けてください。何も変更していません。"
        )

    staging = _unpack_media(directory, manifest, media_root)
    try:
        progress("データベースを復元しています。")
        _restore_database(directory, manifest, alias, force)
        progress(f"保存ファイルを {media_root} に置いています。")
        old = None
        if media_root.exists():
            old = media_root.with_name(
                f".{media_root.name}-replaced-{os.getpid()}-{time.time_ns()}"
            )
            os.replace(media_root, old)
        os.replace(staging, media_root)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    connections[alias].close()
    pointers = rewrite_pointers()
    builds, files = verify_published(alias)
    return Outcome(
        directory=directory,
        manifest=manifest,
        seconds=time.monotonic() - started,
        verified_builds=builds,
        verified_files=files,
        pointers=pointers,
    )
