"""Write a fiscal year's finance records as the interchange format's "finance" object (JSON)."""

import json

from django.core.management.base import BaseCommand

from finance.interchange import export_finance


class Command(BaseCommand):
    help = "年度の財政データ（会計・年度比較表・地方債・基金・交付金）を JSON で書き出します。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--year", type=int, required=True, help="年度（西暦、例: 2024）")
        parser.add_argument("--output", help="書き出すファイル（省略時は標準出力）")

    def handle(self, *args, **options) -> None:
        text = json.dumps(
            {"finance": export_finance(fiscal_year=options["year"])}, ensure_ascii=False, indent=2
        )
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
        else:
            self.stdout.write(text)
