"""Restore a backup made by `manage.py backup` (`make restore BACKUP_DIR=…`).

    python manage.py restore var/backups/2025-03-31            # into an empty database and MEDIA_ROOT
    python manage.py restore var/backups/2025-03-31 --force    # over what is there

Every checksum is checked before anything changes; a target that is not empty is refused unless
--force; afterwards the public pointers are rewritten and every published build's files are
checked against the build's record (reports.services.backup).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from reports.services import backup


class Command(BaseCommand):
    help = "バックアップ（manage.py backup）を、空のデータベースと保存フォルダーへ復元します。"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "directory", help="バックアップのフォルダー（manifest.json のあるもの）"
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="空でないデータベースと保存フォルダーにも復元する（今の内容は失われます）",
        )
        parser.add_argument(
            "--database", default="default", help="データベースの別名（既定: default）"
        )

    def handle(self, *args, **options) -> None:
        try:
            outcome = backup.restore(
                options["directory"],
                alias=options["database"],
                force=options["force"],
                progress=self.stdout.write,
            )
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        years = "、".join(f"{y}年度" for y in outcome.pointers) or "なし"
        self.stdout.write(
            self.style.SUCCESS(
                f"復元しました: {outcome.directory}（{outcome.seconds:.1f}秒）\n"
                f"  公開版 {outcome.verified_builds} 件のファイル {outcome.verified_files} 個が"
                f"構築の記録と一致しました。公開中の年度: {years}\n"
                "  次に `manage.py migrate` で新しい版の移行を当て、web、worker、beat を再起動してください。"
            )
        )
