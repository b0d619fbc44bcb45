"""Read an interchange JSON file: validate everything, then write all of it or nothing."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from akiruno.exceptions import ApplicationError
from reports.management.commands._common import acting_user, command_error
from reports.services.interchange import import_report


class Command(BaseCommand):
    help = "交換形式（JSON）の事務報告書を取り込みます。すべて検証してから、全部を書き込むか何も書き込みません。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="取り込むファイル")
        parser.add_argument("--department", help="この課コードの課別報告だけを取り込む")
        parser.add_argument("--dry-run", action="store_true", help="検証だけ行い、書き込まない")
        parser.add_argument(
            "--replace", action="store_true", help="既存の年度を置き換える（既定: 既存なら中止）"
        )
        parser.add_argument(
            "--keep-states",
            action="store_true",
            help="ファイルに記録された状態のまま取り込む（管理者のみ）",
        )
        parser.add_argument("--user", default="admin", help="操作する職員（既定: admin）")

    def handle(
        self, *args, file: str, department, dry_run, replace, keep_states, user, **options
    ) -> None:
        actor = acting_user(user)
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"ファイル「{file}」がありません。")
        try:
            document = json.loads(path.read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"ファイル「{file}」は JSON として読めません（{exc}）。") from None
        try:
            result = import_report(
                document,
                user=actor,
                department=department,
                dry_run=dry_run,
                replace=replace,
                keep_states=keep_states,
            )
        except ApplicationError as exc:
            raise command_error(exc) from None
        self.stdout.write(self.style.SUCCESS(result.summary()))
