"""Replace a fiscal year's finance records with those of an interchange JSON file."""

import json

from django.core.management.base import BaseCommand, CommandError

from akiruno.exceptions import ApplicationError
from finance.interchange import import_finance


class Command(BaseCommand):
    help = (
        "JSON（交換形式の finance、または finance を含む文書）から年度の財政データを取り込みます。"
        "すべて検証してから、その年度の財政データを一度に置き換えます。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="JSON ファイル")
        parser.add_argument("--year", type=int, help="年度（省略時は文書の fiscal_year）")

    def handle(self, *args, **options) -> None:
        try:
            with open(options["path"], encoding="utf-8") as fh:
                document = json.load(fh)
        except (OSError, json.JSONDecodeError) as exc:
            raise CommandError(f"ファイルを読めません: {exc}") from exc
        year = options["year"] or (
            document.get("fiscal_year") if isinstance(document, dict) else None
        )
        if not isinstance(year, int):
            raise CommandError("年度を --year で指定してください。")
        data = document.get("finance", document) if isinstance(document, dict) else document
        try:
            import_finance(data, fiscal_year=year)
        except ApplicationError as exc:
            lines = [
                exc.message,
                *(f"  {where}: {message}" for where, message in exc.details.items()),
            ]
            raise CommandError("\n".join(lines)) from exc
        self.stdout.write(self.style.SUCCESS(f"{year}年度の財政データを取り込みました。"))
