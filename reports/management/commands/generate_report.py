"""Generate a synthetic but realistic report of any size and publish it through the real workflow.

    python manage.py generate_report 2030 --departments 50 --scale 1

The content is the FY2024 demo's (demo/fy2024.json, the excerpt of the real report) spread over
N departments: each department takes the sections of one of the demo's departments in turn
(narrative, counts, lists, tables, monthly tables, meetings), with its own meeting bodies, and
the finance division's accounts, bonds and comparisons appear once, as in a real year. `--scale`
repeats each department's items (1 = as printed; 2 = twice as many). The document goes through
the interchange import, every section is submitted, forwarded and approved by that department's
own (generated) staff, and the report is approved by the planning division's head, which starts
the build exactly as in production. `--no-publish` stops before the report's approval.

For benchmarks and load tests: the generated users have unusable passwords.
"""

from __future__ import annotations

import copy
import json
import re
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from akiruno.exceptions import ApplicationError
from reports.management.commands.load_demo import DEMO_FILE
from reports.models import AnnualReport, Department, Section, User

# Names of real 課 of a Japanese city, for departments beyond the demo's three.
NAMES = [
    "総務課", "職員課", "契約管財課", "情報政策課", "防災危機管理課", "市民課", "保険年金課",
    "課税課", "納税課", "生活環境課", "地域振興課", "観光まちづくり推進課", "農林課", "商工課",
    "福祉総務課", "障がい者支援課", "高齢者支援課", "介護福祉課", "健康課", "子ども家庭課",
    "保育課", "都市計画課", "建設課", "管理課", "下水道課", "会計課", "教育総務課", "学校教育課",
    "指導室", "生涯学習推進課", "スポーツ推進課", "図書館", "議会事務局", "選挙管理委員会事務局",
    "監査委員事務局", "農業委員会事務局", "秘書広報課", "文化財課", "環境政策課", "ごみ減量推進課",
    "道路課", "住宅課", "区画整理課", "産業振興課", "市民協働課", "男女共同参画推進課",
    "人権推進課", "国際交流課", "公共施設マネジメント課", "デジタル推進課",
]  # fmt: skip

PLANNING = "kikaku-seisaku"
FINANCE = "zaisei"


def _dept_code(index: int) -> str:
    return f"gen-{index:03d}"


def build_document(template: dict, *, fiscal_year: int, departments: int, scale: int) -> dict:
    """The demo's document spread over `departments` departments, for `fiscal_year`."""
    if departments < 3:
        raise CommandError(
            "--departments は 3 以上を指定してください（企画政策課・財政課を含みます）。"
        )
    if scale < 1:
        raise CommandError("--scale は 1 以上を指定してください。")
    shift = fiscal_year - template["fiscal_year"]
    sections = {s["department"]: s for s in template["sections"]}
    narrative = [code for code in sections if code not in (PLANNING, FINANCE)] + [PLANNING]
    bodies: dict[str, list[dict]] = {}
    for body in template["meetings"]["bodies"]:
        bodies.setdefault(body["department"], []).append(body)

    depts: list[dict] = []
    out_sections: list[dict] = []
    out_bodies: list[dict] = []
    plan = [(PLANNING, PLANNING, "企画政策課"), (FINANCE, FINANCE, "財政課")]
    for i in range(departments - 2):
        name = NAMES[i % len(NAMES)]
        if i >= len(NAMES):
            name = f"{name}（{i // len(NAMES) + 1}）"
        plan.append((_dept_code(i + 1), narrative[i % len(narrative)], name))
    for order, (code, source, name) in enumerate(plan, start=1):
        depts.append(
            {"code": code, "display_order": order * 10, "kind": "ka", "name": name, "parent": None}
        )
        section = copy.deepcopy(sections[source])
        section["department"] = code
        if code != source:
            _rename_bodies(section, code)
        section["items"] = section["items"] * scale
        section["state"] = "draft"
        out_sections.append(section)
        for body in bodies.get(source, []):
            clone = copy.deepcopy(body)
            clone["department"] = code
            if code != source:
                clone["key"] = f"{body['key']}-{code}"
                if clone.get("parent"):
                    clone["parent"] = f"{clone['parent']}-{code}"
            out_bodies.append(clone)

    document = copy.deepcopy(template)
    document.update(
        {
            "fiscal_year": fiscal_year,
            "departments": depts,
            "sections": out_sections,
            "meetings": {"bodies": out_bodies},
            "report": {
                "title": f"令和{fiscal_year - 2018}年度 事務報告書",
                "deadline": _shift_date(template["report"]["deadline"], shift),
            },
        }
    )
    # Dates of meetings and the like move with the year, so that they fall inside it.
    text = json.dumps(document, ensure_ascii=False)
    text = re.sub(
        r'"(\d{4})-(\d{2})-(\d{2})"', lambda m: f'"{_shift_date(m[0][1:-1], shift)}"', text
    )
    return json.loads(text)


def _rename_bodies(node: Any, code: str) -> None:
    """Point a cloned section's meeting blocks at the clone's own meeting bodies."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "body" and isinstance(value, str):
                node[key] = f"{value}-{code}"
            else:
                _rename_bodies(value, code)
    elif isinstance(node, list):
        for value in node:
            _rename_bodies(value, code)


def _shift_date(iso: str, years: int) -> str:
    year, month, day = iso.split("-")
    if month == "02" and day == "29":
        day = "28"
    return f"{int(year) + years:04d}-{month}-{day}"


def _staff(code: str, department: Department) -> tuple[User, User]:
    editor, _ = User.objects.get_or_create(
        username=f"gen-{code}-tanto",
        defaults={"full_name": f"{department.name} 担当", "department": department},
    )
    head, _ = User.objects.get_or_create(
        username=f"gen-{code}-kacho",
        defaults={"full_name": f"{department.name} 課長", "department": department},
    )
    for user, editor_flag, head_flag in ((editor, True, False), (head, False, True)):
        user.department, user.is_editor, user.is_head = department, editor_flag, head_flag
        user.set_unusable_password()
        user.save()
    return editor, head


class Command(BaseCommand):
    help = "合成の事務報告書（任意の課数・分量）を作成し、実際の審査手続で承認・公開します（性能測定用）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("fiscal_year", type=int, help="年度（西暦。例: 2030）")
        parser.add_argument("--departments", type=int, default=50, help="課の数（既定: 50）")
        parser.add_argument("--scale", type=int, default=1, help="各課の分量の倍率（既定: 1）")
        parser.add_argument(
            "--no-publish", action="store_true", help="課別報告の承認までで止め、全体の承認をしない"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from reports.services import workflow
        from reports.services.interchange import import_report

        fiscal_year = options["fiscal_year"]
        if AnnualReport.objects.filter(fiscal_year=fiscal_year).exists():
            raise CommandError(
                f"{fiscal_year} 年度の事務報告書は既にあります。別の年度を指定してください。"
            )
        template = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
        document = build_document(
            template,
            fiscal_year=fiscal_year,
            departments=options["departments"],
            scale=options["scale"],
        )
        started = time.perf_counter()
        admin = User.objects.filter(is_superuser=True).order_by("pk").first()
        if admin is None:
            admin = User.objects.create(username="gen-admin", is_superuser=True, is_staff=True)
        try:
            with transaction.atomic():
                result = import_report(document, user=admin, replace=True)
            self.stdout.write(result.summary())
            departments = {d.code: d for d in Department.objects.all()}
            staff = {
                d["code"]: _staff(d["code"], departments[d["code"]])
                for d in document["departments"]
            }
            reviewer, _ = User.objects.get_or_create(
                username="gen-shinsa", defaults={"department": departments[PLANNING]}
            )
            planning_head, _ = User.objects.get_or_create(
                username="gen-kikaku-kacho", defaults={"department": departments[PLANNING]}
            )
            for user in (reviewer, planning_head):
                user.department, user.is_reviewer = departments[PLANNING], True
                user.is_head = user is planning_head
                user.set_unusable_password()
                user.save()
            report = AnnualReport.objects.get(fiscal_year=fiscal_year)
            S = Section.State
            for section in report.sections.select_related("department", "report"):
                editor, head = staff[section.department.code]
                if section.state in (S.DRAFT, S.RETURNED):
                    section = workflow.section_submit(section=section, user=editor)
                if section.state == S.AWAITING_HEAD:
                    section = workflow.section_forward(section=section, user=head)
                if section.state == S.IN_REVIEW:
                    workflow.section_approve(section=section, user=reviewer)
            prepared = time.perf_counter()
            self.stdout.write(
                f"{len(document['departments'])} 課の報告を作成・承認しました（{prepared - started:.1f} 秒）。"
            )
            if not options["no_publish"]:
                report.refresh_from_db()
                workflow.report_approve(report=report, user=planning_head)
                self.stdout.write(
                    f"事務報告書を承認しました（構築・公開を開始。{time.perf_counter() - prepared:.1f} 秒）。"
                )
        except ApplicationError as exc:
            from reports.management.commands._common import command_error

            raise command_error(exc) from None
