"""Write docs/report-format.schema.json from the block kind and record registries."""

from django.core.management.base import BaseCommand, CommandError

from reports.schema import SCHEMA_PATH, schema_text


class Command(BaseCommand):
    help = "交換形式の JSON Schema（docs/report-format.schema.json）をブロックの種類などから生成します。"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="書き込まず、ファイルが生成結果と一致するかだけを確かめる",
        )

    def handle(self, *args, check: bool, **options) -> None:
        text = schema_text()
        current = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.exists() else ""
        if check:
            if current != text:
                raise CommandError(
                    f"{SCHEMA_PATH.name} が生成結果と異なります。manage.py write_schema で更新してください。"
                )
            self.stdout.write(f"{SCHEMA_PATH.name} は生成結果と一致しています。")
            return
        SCHEMA_PATH.write_text(text, encoding="utf-8")
        self.stdout.write(f"{SCHEMA_PATH} を書き出しました。")
