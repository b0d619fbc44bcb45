"""Back up the database and the media store into one folder (`make backup`).

    python manage.py backup var/backups/2025-03-31

PostgreSQL with pg_dump (custom format), SQLite with its online backup API; MEDIA_ROOT as a tar;
a manifest with the SHA-256 of every file (reports.services.backup). Safe while the site runs.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from reports.services import backup


class Command(BaseCommand):
    help = "データベースと保存ファイル（MEDIA_ROOT）を、チェックサム付きの目録と共にフォルダーへバックアップします。"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "directory", help="バックアップを書き出すフォルダー（新しいか空のもの）"
        )
        parser.add_argument(
            "--force", action="store_true", help="空でないフォルダーにも書き出す（中身は上書き）"
        )
        parser.add_argument(
            "--database", default="default", help="データベースの別名（既定: default）"
        )

    def handle(self, *args, **options) -> None:
        try:
            outcome = backup.backup(
                options["directory"],
                alias=options["database"],
                force=options["force"],
                progress=self.stdout.write,
            )
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        database, media = outcome.manifest["database"], outcome.manifest["media"]
        counts = database["counts"]
        self.stdout.write(
            self.style.SUCCESS(
                f"バックアップしました: {outcome.directory}（{outcome.seconds:.1f}秒）\n"
                f"  データベース: {database['file']} {database['size']:,} バイト"
                f"（報告書 {counts['reports']}、課別報告 {counts['sections']}、"
                f"変更履歴 {counts['revisions']}、公開版 {counts['published_builds']}）\n"
                f"  保存ファイル: {media['file']} {len(media['files'])} 個 {media['size']:,} バイト"
            )
        )
