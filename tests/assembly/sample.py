"""Realistic report content for assembly tests and the benchmark, after the FY2024 excerpt.

`fill_section(section, items=…, tables=…)` writes items and blocks of every core kind (narrative,
counts, lists, tables with totals, meeting-style date tables, contracts in 円, transposed
tables, monthly tables, negative amounts in 千円). `approve(section, reviewer)` puts the
section in the approved state with a snapshot and an approve event, as the workflow would.
"""

from __future__ import annotations

import itertools

from reports.models import AnnualReport, Section, SectionEvent, SectionSnapshot, User
from reports.services.rendering import canonical_json, sha256
from reports.snapshot import section_content
from tests import factories

HEADINGS = [
    "各種協議会等関係",
    "市税等徴収状況報告会",
    "市議会関係",
    "庁議関係",
    "あきる野市指定管理者選定委員会",
    "男女共同参画計画の策定及び推進",
    "総合教育会議",
    "総合計画の策定及び推進",
    "行財政改革に関する取組",
    "資産マネジメントに関する取組",
    "タウンミーティング",
    "市民アンケート調査",
    "市制施行３０周年記念事業関係",
    "健診事業の実施",
]
PURPOSE = (
    "「西多摩地域の一体的整備と住民の福祉増進を図るため、広域行政圏計画の策定及び広域行政"
    "圏に関する必要な事務の連絡調整を行うこと」を目的とする協議会の構成団体として、会議に出"
    "席するとともに、各種活動や共同事業を実施した。"
)
AGENDA = [
    "令和６年３月末現在の市税等の徴収状況について（書面開催）",
    "令和５年度の総括、令和６年度の目標値設定と取組について",
    "債権の取扱いについて",
]


def _table_blocks(n: int) -> list[tuple[str, dict]]:
    """The n-th table of a department, cycling through the shapes of the excerpt."""
    shapes = [
        (
            "table",
            {
                "caption": "市長提出案件数",
                "columns": [
                    {"key": "name", "label": "会議名", "type": "text"},
                    {"key": "senketsu", "label": "専決", "type": "integer"},
                    {"key": "hokoku", "label": "報告", "type": "integer"},
                    {"key": "gian", "label": "議案", "type": "integer"},
                    {"key": "shimon", "label": "諮問", "type": "integer"},
                ],
                "rows": [
                    {
                        "name": f"令和６年第１回定例会{m}",
                        "senketsu": 0,
                        "hokoku": h,
                        "gian": g,
                        "shimon": s,
                    }
                    for m, h, g, s in [
                        ("第２回臨時会議", 2, 2, 0),
                        ("６月定例会議", 4, 8, 0),
                        ("９月定例会議", 3, 28, 0),
                        ("１２月定例会議", 2, 18, 1),
                    ]
                ],
                "summary": [{"op": "sum"}],
                "digits": "full",
            },
        ),
        (
            "table",
            {
                "caption": "",
                "columns": [
                    {"key": "session", "label": "回", "type": "text"},
                    {"key": "date", "label": "開催日", "type": "date"},
                    {"key": "agenda", "label": "内容", "type": "lines"},
                ],
                "rows": [
                    {
                        "session": f"第{i}回",
                        "date": f"2024-{5 + i:02d}-{10 + i:02d}",
                        "agenda": AGENDA[: 1 + i % 3],
                    }
                    for i in range(1, 5)
                ],
            },
        ),
        (
            "table",
            {
                "caption": "委託契約",
                "columns": [
                    {"key": "name", "label": "件名", "type": "text"},
                    {"key": "amount", "label": "金額", "type": "amount", "unit": "円"},
                    {"key": "vendor", "label": "委託業者", "type": "text"},
                ],
                "rows": [
                    {
                        "name": "アナログ規制の点検・見直し支援業務委託（債務負担行為）",
                        "amount": 3960000,
                        "vendor": "（株）ぎょうせい",
                    },
                    {
                        "name": "公共施設等総合管理計画改定等業務委託",
                        "amount": 7999200,
                        "vendor": "アジア航測（株）",
                    },
                ],
            },
        ),
        (
            "table",
            {
                "caption": "ネーミングライツ・パートナー",
                "transposed": True,
                "columns": [
                    {"key": "facility", "label": "施設", "type": "text"},
                    {"key": "company", "label": "企業名", "type": "text"},
                    {
                        "key": "fee",
                        "label": "命名権料",
                        "type": "amount",
                        "unit": "円",
                        "suffix": "（年額）",
                    },
                    {"key": "period", "label": "協定期間", "type": "date_range"},
                ],
                "rows": [
                    {
                        "facility": "秋川キララホール",
                        "company": "Ｓ＆Ｄ多摩ホールディングス株式会社",
                        "fee": 1000000,
                        "period": {"start": "2025-04-01", "end": "2030-03-31"},
                    },
                    {
                        "facility": "五日市ファインプラザ",
                        "company": "横川観光株式会社",
                        "fee": 1000000,
                        "period": {"start": "2025-04-01", "end": "2030-03-31"},
                    },
                ],
            },
        ),
        (
            "monthly_table",
            {
                "caption": "窓口利用者数",
                "measures": [
                    {
                        "label": "利用者数",
                        "unit": "人",
                        "values": [120, 98, 143, 150, 161, 133, 128, 117, 99, 101, 125, 140],
                    },
                    {
                        "label": "配信数",
                        "unit": "件",
                        "values": [12, 9, 14, 15, 16, 13, 12, 11, 9, 10, 12, 14],
                    },
                ],
                "summary": ["sum", "average"],
                "split": 2,
            },
        ),
        (
            "table",
            {
                "caption": "国民健康保険特別会計 歳入",
                "unit": "千円",
                "columns": [
                    {"key": "name", "label": "款", "type": "text"},
                    {"key": "initial", "label": "当初予算額", "type": "integer"},
                    {"key": "s1", "label": "第1号", "type": "integer", "group": "補正予算額"},
                    {"key": "s2", "label": "第2号", "type": "integer", "group": "補正予算額"},
                    {
                        "key": "final",
                        "label": "最終予算額",
                        "type": "integer",
                        "computed": {"op": "sum", "of": ["initial", "s1", "s2"]},
                    },
                    {"key": "settled", "label": "決算額", "type": "integer"},
                    {
                        "key": "ratio",
                        "label": "執行率",
                        "type": "percent",
                        "computed": {"op": "ratio", "of": ["settled", "final"]},
                    },
                ],
                "rows": [
                    {
                        "name": "国民健康保険税",
                        "initial": 1560383,
                        "s1": -16658,
                        "s2": None,
                        "settled": 1547761,
                    },
                    {
                        "name": "国庫支出金",
                        "initial": 6785778,
                        "s1": 149744,
                        "s2": 2000,
                        "settled": 6900123,
                    },
                ],
                "summary": [{"op": "sum"}],
            },
        ),
    ]
    return [shapes[n % len(shapes)]]


def fill_section(
    section: Section, *, items: int = 33, tables: int = 13, marker: str = ""
) -> Section:
    """Write `items` items (about a third at depth 1, the rest below) and `tables` tables."""
    tables_left = tables
    table_number = itertools.count()
    depth1 = max(1, items // 3)
    made = 0
    for i in range(depth1):
        if made >= items:
            break
        heading = HEADINGS[i % len(HEADINGS)] + (marker if i == 0 else "")
        top = factories.make_item(section, heading)
        made += 1
        factories.make_block(top, "text", {"paragraphs": [PURPOSE]})
        children = min(2, items - made)
        for j in range(children):
            child = factories.make_item(
                section, f"{HEADINGS[(i + j + 3) % len(HEADINGS)]}の実施状況", parent=top
            )
            made += 1
            factories.make_block(
                child,
                "counts",
                {
                    "entries": [
                        {"label": "協議会", "value": 2, "unit": "回"},
                        {
                            "label": "事務局会議",
                            "value": 4,
                            "unit": "回",
                            "note": "（うちオンライン１回）",
                        },
                    ],
                    "columns": 2,
                },
            )
            factories.make_block(
                child,
                "list",
                {
                    "entries": [
                        "ＪＲ五日市線の改善に係る要望活動の実施",
                        "健診の受診勧奨と結果の周知",
                    ]
                },
            )
            if tables_left > 0:
                kind, data = _table_blocks(next(table_number))[0]
                factories.make_block(child, kind, data)
                tables_left -= 1
    # Any tables still owed go on the last top-level item.
    while tables_left > 0:
        kind, data = _table_blocks(next(table_number))[0]
        factories.make_block(top, kind, data)
        tables_left -= 1
    return section


def approve(section: Section, reviewer: User) -> SectionSnapshot:
    """Approve a section directly (test set-up; the workflow service does this for real)."""
    section = factories.set_state(section, Section.State.APPROVED)
    content = section_content(section)
    snapshot = SectionSnapshot.objects.create(
        section=section,
        section_version=section.version,
        content=content,
        checksum=sha256(canonical_json(content)),
    )
    SectionEvent.objects.create(
        section=section,
        action=SectionEvent.Action.APPROVE,
        from_state=Section.State.IN_REVIEW,
        to_state=Section.State.APPROVED,
        actor=reviewer,
        snapshot=snapshot,
        section_version=section.version,
        comment="承認します。",
    )
    return snapshot


def approve_report(report: AnnualReport, approver: User | None = None) -> AnnualReport:
    AnnualReport.objects.filter(pk=report.pk).update(
        state=AnnualReport.State.APPROVED, approved_by=approver
    )
    report.refresh_from_db()
    return report


def make_approved_report(
    *,
    fiscal_year: int = 2024,
    departments: int = 3,
    items: int = 33,
    tables: int = 13,
    reviewer: User | None = None,
    marker: str = "",
) -> AnnualReport:
    """A report whose every section is approved and the report itself approved."""
    report = factories.make_report(fiscal_year)
    planning = factories.make_department("kikaku-seisaku", "企画政策課", display_order=10)
    reviewer = reviewer or factories.make_user(
        f"reviewer-{fiscal_year}-{departments}", department=planning, reviewer=True, head=True
    )
    names = ["企画政策課", "市長公室", "財政課", "健康課", "生涯学習推進課", "道路管理課"]
    codes = ["kikaku-seisaku", "shicho-koshitsu", "zaisei", "kenko", "shogai-gakushu", "doro-kanri"]
    for index in range(departments):
        code = codes[index] if index < len(codes) else f"dept-{index}"
        name = names[index] if index < len(names) else f"テスト課{index}"
        department = factories.make_department(code, name, display_order=10 * (index + 1))
        section = Section.objects.filter(report=report, department=department).first()
        if section is None:
            section = factories.make_section(department, report)
            fill_section(section, items=items, tables=tables, marker=marker)
        approve(section, reviewer)
    return approve_report(report, reviewer)
