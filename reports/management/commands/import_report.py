"""Read an interchange JSON file: validate everything, then write all of it or nothing.

Nothing the file does not carry is deleted unless --delete-missing is given, and then only with
--confirm-delete as well; --dry-run lists every record that would be created, replaced or
deleted. Every import keeps the state before it; --restore <ID> puts that state back."""

import hashlib
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from akiruno.exceptions import ApplicationError
from reports.management.commands._common import acting_user, command_error
from reports.services.import_changes import KEEP, UNCHANGED
from reports.services.import_messages import json_error
from reports.services.interchange import import_report, restore_import


class Command(BaseCommand):
    help = "交換形式（JSON）の事務報告書を取り込みます。すべて検証してから、全部を書き込むか何も書き込みません。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", nargs="?", help="取り込むファイル")
        parser.add_argument("--department", help="この課コードの記録だけを取り込む")
        parser.add_argument(
            "--dry-run", action="store_true", help="検証して変更の一覧を示すだけで、書き込まない"
        )
        parser.add_argument(
            "--replace", action="store_true", help="既存の年度を置き換える（既定: 既存なら中止）"
        )
        parser.add_argument(
            "--keep-states",
            action="store_true",
            help="ファイルに記録された状態のまま取り込む（管理者のみ）",
        )
        parser.add_argument(
            "--delete-missing",
            action="store_true",
            help="ファイルにない記録（会計・会議体・会議・課別報告）を削除する（既定: 残す）",
        )
        parser.add_argument(
            "--confirm-delete",
            action="store_true",
            help="--delete-missing の削除を確認した（これがないと削除を伴う取込みは中止）",
        )
        parser.add_argument(
            "--restore",
            metavar="ID",
            help="この番号の取込みの直前の状態に戻す（取込みの記録に保存した書き出しから）",
        )
        parser.add_argument("--user", default="admin", help="操作する職員（既定: admin）")

    def handle(self, *args, file, department, dry_run, replace, keep_states, user, **options):
        actor = acting_user(user)
        if options["restore"]:
            if file:
                raise CommandError("--restore にはファイルを指定しません（記録の番号だけです）。")
            try:
                result = restore_import(options["restore"], user=actor)
            except ApplicationError as exc:
                raise command_error(exc) from None
            self._write_changes(result)
            self.stdout.write(self.style.SUCCESS(result.summary()))
            return
        if not file:
            raise CommandError(
                "取り込むファイルを指定してください（戻す場合は --restore <記録の番号>）。"
            )
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"ファイル「{file}」がありません。")
        raw = path.read_bytes()
        try:
            document = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(
                f"ファイル「{file}」は JSON として読めません。{json_error(exc)}"
            ) from None
        try:
            result = import_report(
                document,
                user=actor,
                department=department,
                dry_run=dry_run,
                replace=replace,
                keep_states=keep_states,
                delete_missing=options["delete_missing"],
                confirm_delete=options["confirm_delete"],
                source="command",
                filename=path.name,
                checksum=hashlib.sha256(raw).hexdigest(),
            )
        except ApplicationError as exc:
            raise command_error(exc) from None
        self._write_changes(result)
        self.stdout.write(self.style.SUCCESS(result.summary()))

    def _write_changes(self, result) -> None:
        for change in result.changes:
            if change.action in (UNCHANGED, KEEP) and change.kind not in ("section", "body"):
                continue
            where = f" {change.pointer}" if change.pointer else ""
            self.stdout.write(f"  {change.action_label}: {change.label}{where}")
