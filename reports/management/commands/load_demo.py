"""Load the FY2024 demo and take it through the real workflow to publication (idempotent).

1. departments and the demo users (password printed on the console);
2. the FY2024 report imported from demo/fy2024.json (the excerpt of the real report);
3. every FY2024 section submitted, forwarded and approved by the right demo users, the report
   approved by the planning division's head, which assembles and publishes it;
4. FY2025 started from FY2024 (structure and text, figures cleared) with every section in draft.

Refused unless DEBUG is on or --force is given, because it creates users with a known password.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from akiruno import two_factor
from akiruno.exceptions import ApplicationError
from reports.models import AnnualReport, Department, Item, Section, User
from reports.permissions import policy

DEMO_FILE = Path(settings.BASE_DIR) / "demo" / "fy2024.json"

DEMO_PASSWORD = "akiruno-demo"  # noqa: S105 (printed on the console; demo only)
# The demo users whose role requires a second factor are enrolled with this TOTP secret (base32,
# 30-second steps, 6 digits, SHA-1), printed with the logins. It exists only here: every other
# user enrols with a random secret of their own.
DEMO_TOTP_SECRET = "AKIRUNODEMOTOTPSECRET234"  # noqa: S105 (printed on the console; demo only)

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
                if policy.requires_second_factor(user):
                    two_factor.enrol_with_secret(user, DEMO_TOTP_SECRET)
        from django.test.utils import override_settings

        self.kept = False

        try:
            self.load_fy2024()
            # The demo's own sign-offs would print a dozen notification mails; keep them in memory.
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                self.publish_fy2024()
            self.start_fy2025()
        except ApplicationError as exc:
            from reports.management.commands._common import command_error

            raise command_error(exc) from None
        if self.kept:
            self.stdout.write(
                self.style.SUCCESS(
                    "デモデータはすでにあるため、入力済みの内容をそのまま残しました。"
                    "最初からやり直すには make demo-reset を実行します。"
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS("デモデータを読み込みました。"))
        self.stdout.write(f"デモ利用者（パスワードはすべて {DEMO_PASSWORD}）:")
        enrolled = set(
            User.objects.filter(
                username__in=[u[0] for u in USERS], totpdevice__confirmed=True
            ).values_list("username", flat=True)
        )
        for username, full_name, dept, *_ in USERS:
            mark = "  ※2段階認証" if username in enrolled else ""
            self.stdout.write(
                f"  {username:16s} {full_name}（{dict((c, n) for c, n, _ in DEPARTMENTS).get(dept, '—')}）"
                f"{mark}"
            )
        self.stdout.write(
            f"※の利用者はパスワードの後に確認コードを入力します（TOTP の秘密鍵 {DEMO_TOTP_SECRET}、"
            "30秒・6桁・SHA-1）。コードは認証アプリに秘密鍵を登録するか、"
            f"`oathtool --totp -b {DEMO_TOTP_SECRET}` で表示できます。"
        )

    def load_fy2024(self) -> None:
        from reports.services.interchange import import_report

        report = AnnualReport.objects.filter(fiscal_year=2024).first()
        if report is not None and Item.objects.filter(section__report=report).exists():
            self.kept = True
            return
        admin = User.objects.get(username="admin")
        document = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
        result = import_report(document, user=admin, replace=True)
        self.stdout.write(result.summary())

    def publish_fy2024(self) -> None:
        from reports.services import workflow

        report = AnnualReport.objects.get(fiscal_year=2024)
        users = {u.username: u for u in User.objects.all()}
        staff = {
            "kikaku-seisaku": ("kikaku-tanto", "kikaku-kacho"),
            "shicho-koshitsu": ("koshitsu-tanto", "koshitsu-kacho"),
            "zaisei": ("zaisei-tanto", "zaisei-kacho"),
        }
        for section in report.sections.select_related("department", "report"):
            editor, head = staff[section.department.code]
            S = Section.State
            if section.state in (S.DRAFT, S.RETURNED):
                workflow.section_submit(section=section, user=users[editor])
            if section.state == S.AWAITING_HEAD:
                workflow.section_forward(section=section, user=users[head])
            if section.state == S.IN_REVIEW:
                workflow.section_approve(section=section, user=users["shinsa"])
        report.refresh_from_db()
        if report.state == AnnualReport.State.PREPARING:
            workflow.report_approve(report=report, user=users["kikaku-kacho"])
            self.stdout.write("令和6年度 事務報告書を承認しました（構築・公開を開始）。")

    def start_fy2025(self) -> None:
        from finance.services import finance_start_year
        from reports.services.content import report_start_from_previous

        admin = User.objects.get(username="admin")
        if Item.objects.filter(section__report__fiscal_year=2025).exists():
            return
        report_start_from_previous(fiscal_year=2025, user=admin, keep_numbers=False)
        finance_start_year(fiscal_year=2025, user=admin)
        self.stdout.write(
            "令和7年度の事務報告書を令和6年度から作成しました（各課の報告は作成中）。"
        )
