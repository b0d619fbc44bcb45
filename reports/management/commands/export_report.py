"""Write a fiscal year's report (or one department's part) as an interchange JSON file."""

from pathlib import Path

from django.core.management.base import BaseCommand

from akiruno.exceptions import ApplicationError
from reports.management.commands._common import acting_user, command_error
from reports.models import AnnualReport
from reports.permissions import policy
from reports.services.interchange import canonical_json, export_report


class Command(BaseCommand):
    help = "事務報告書を交換形式（JSON）で書き出します。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("fiscal_year", type=int, help="年度（西暦、例: 2024）")
        parser.add_argument("file", help="書き出すファイル（- で標準出力）")
        parser.add_argument("--department", help="この課コードの部分だけを書き出す")
        parser.add_argument("--user", default="admin", help="操作する職員（既定: admin）")

    def handle(
        self, *args, fiscal_year: int, file: str, department: str | None, user: str, **options
    ) -> None:
        actor = acting_user(user)
        report = AnnualReport.objects.filter(fiscal_year=fiscal_year).first()
        if report is not None and not policy.can(actor, "export", report):
            raise command_error(
                ApplicationError("書き出しはシステム管理者と審査担当のみ行えます。")
            )
        try:
            document = export_report(fiscal_year=fiscal_year, department=department)
        except ApplicationError as exc:
            raise command_error(exc) from None
        text = canonical_json(document)
        if file == "-":
            self.stdout.write(text, ending="")
        else:
            Path(file).write_text(text, encoding="utf-8")
            self.stderr.write(
                f"{fiscal_year}年度の事務報告書を {file} に書き出しました（{len(document['sections'])} 課）。"
            )
