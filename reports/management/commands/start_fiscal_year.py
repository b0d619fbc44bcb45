"""Create a fiscal year's report, empty or from the previous year's sections.

    manage.py start_fiscal_year 2025 --user admin                 # empty sections
    manage.py start_fiscal_year 2025 --user admin --from-previous # copy last year, clear figures
    manage.py start_fiscal_year 2025 --user admin --from-previous --keep-numbers

The user is checked by the same permission policy as the staff pages (administrators only).
"""

from django.core.management.base import BaseCommand, CommandError

from akiruno.exceptions import ApplicationError
from reports.models import User
from reports.services import content


class Command(BaseCommand):
    help = "年度の事務報告書を作成します（前年度の内容から作成することもできます）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("fiscal_year", type=int, help="年度（西暦、例: 2025）")
        parser.add_argument("--user", required=True, help="操作する職員のユーザー名")
        parser.add_argument("--from-previous", action="store_true", help="前年度の内容から作成")
        parser.add_argument(
            "--keep-numbers", action="store_true", help="前年度の数値を残す（既定は空にする）"
        )
        parser.add_argument("--title", default=None, help="表題（既定: 令和n年度 事務報告書）")

    def handle(self, *args, **options) -> None:
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"職員「{options['user']}」が見つかりません。")
        try:
            if options["from_previous"]:
                report = content.report_start_from_previous(
                    fiscal_year=options["fiscal_year"],
                    user=user,
                    keep_numbers=options["keep_numbers"],
                )
            else:
                report = content.report_create(
                    fiscal_year=options["fiscal_year"], title=options["title"], user=user
                )
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.title}（課別報告 {report.sections.count()}件）を用意しました。"
            )
        )
