"""Load the FY2024 demo: departments, demo users, the report (idempotent).

Refused unless DEBUG is on or --force is given, because it creates users with a known password.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from akiruno.wareki import format_fiscal_year
from reports.models import AnnualReport, Department, Section, User

DEMO_PASSWORD = "akiruno-demo"  # noqa: S105 (printed on the console; demo only)

DEPARTMENTS = [
    ("kikaku-seisaku", "企画政策課", 10),
    ("shicho-koshitsu", "市長公室", 20),
    ("zaisei", "財政課", 30),
]

USERS = [
    # username, full name, department, editor, head, reviewer, administrator
    ("admin", "システム管理者", None, False, False, False, True),
    ("kikaku-tanto", "企画 太郎", "kikaku-seisaku", True, False, False, False),
    ("kikaku-kacho", "企画 課長", "kikaku-seisaku", False, True, True, False),
    ("shinsa", "審査 花子", "kikaku-seisaku", False, False, True, False),
    ("koshitsu-tanto", "公室 一郎", "shicho-koshitsu", True, False, False, False),
    ("koshitsu-kacho", "公室 課長", "shicho-koshitsu", False, True, False, False),
    ("zaisei-tanto", "財政 次郎", "zaisei", True, False, False, False),
    ("zaisei-kacho", "財政 課長", "zaisei", False, True, False, False),
]


class Command(BaseCommand):
    help = "FY2024 のデモデータ（組織・デモ利用者・事務報告書）を読み込みます（何度実行しても同じ結果）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="DEBUG でなくても実行する")

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "load_demo は既知のパスワードの利用者を作成するため、DEBUG が有効な環境でのみ実行できます。"
                "本当に実行する場合は --force を付けてください。"
            )
        with transaction.atomic():
            departments = {}
            for code, name, order in DEPARTMENTS:
                departments[code], _ = Department.objects.update_or_create(
                    code=code,
                    defaults={"name": name, "display_order": order, "kind": Department.Kind.KA},
                )
            for username, full_name, dept, editor, head, reviewer, admin in USERS:
                user, _ = User.objects.get_or_create(username=username)
                user.full_name = full_name
                user.department = departments.get(dept) if dept else None
                user.is_editor, user.is_head, user.is_reviewer = editor, head, reviewer
                user.is_superuser = user.is_staff = admin
                user.set_password(DEMO_PASSWORD)
                user.save()
            for fiscal_year in (2024, 2025):
                report, _ = AnnualReport.objects.get_or_create(
                    fiscal_year=fiscal_year,
                    defaults={"title": f"{format_fiscal_year(fiscal_year)} 事務報告書"},
                )
                for department in departments.values():
                    Section.objects.get_or_create(
                        report=report,
                        department=department,
                        defaults={"department_name": department.name},
                    )
        self.stdout.write(self.style.SUCCESS("デモデータを読み込みました。"))
        self.stdout.write(f"デモ利用者（パスワードはすべて {DEMO_PASSWORD}）:")
        for username, full_name, dept, *_ in USERS:
            self.stdout.write(
                f"  {username:16s} {full_name}（{dict((c, n) for c, n, _ in DEPARTMENTS).get(dept, '—')}）"
            )
