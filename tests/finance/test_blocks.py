"""Finance block kinds: clean, bulk resolve in fixed queries, render from resolved, strict checks."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from akiruno.exceptions import InvalidInput
from finance.interchange import import_finance
from reports import blocks
from reports.snapshot import resolve_blocks

pytestmark = pytest.mark.django_db

KINDS = ["budget_statement", "comparison_table", "bond_table", "fund_table", "grant_use"]


def test_the_five_kinds_are_registered_with_the_shared_template():
    for kind in KINDS:
        handler = blocks.get(kind)
        assert handler.template_name == "blocks/finance_tables.html"


@pytest.mark.parametrize(
    ("kind", "data", "clean"),
    [
        ("budget_statement", {"account": "kokuho"}, {"account": "kokuho"}),
        ("comparison_table", {"table": "kofuzei"}, {"table": "kofuzei"}),
        ("bond_table", {}, {"view": "loans"}),
        ("bond_table", {"view": "balances"}, {"view": "balances"}),
        ("fund_table", {"funds": None}, {"funds": None}),
        ("fund_table", {"funds": ["a", "a", "b"]}, {"funds": ["a", "b"]}),
        ("grant_use", {"grant": "sogo"}, {"grant": "sogo"}),
    ],
)
def test_clean(kind, data, clean):
    assert blocks.get(kind).clean(data) == clean


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("budget_statement", {"account": "国保"}),
        ("bond_table", {"view": "all"}),
        ("fund_table", {"funds": "kikin"}),
        ("grant_use", []),
    ],
)
def test_clean_refuses(kind, data):
    with pytest.raises(InvalidInput):
        blocks.get(kind).clean(data)


def _blocks(count: int) -> list[dict]:
    keys = ["kokuho", "koki", "kaigo", "tokura", "tv-kyodo", "kukaku-seiri", "gesuido", "nothing"]
    out = []
    for i in range(count):
        out += [
            {"kind": "budget_statement", "data": {"account": keys[i % len(keys)]}},
            {"kind": "comparison_table", "data": {"table": "kofuzei" if i % 2 else "sogo-kofukin"}},
            {"kind": "bond_table", "data": {"view": "balances" if i % 2 else "loans"}},
            {"kind": "fund_table", "data": {"funds": None if i % 2 else ["zaisei-chosei"]}},
            {"kind": "grant_use", "data": {"grant": "sogo"}},
        ]
    return out


def _queries(count: int) -> int:
    data = _blocks(count)
    with CaptureQueriesContext(connection) as ctx:
        resolve_blocks(data, fiscal_year=2024)
    assert all("resolved" in b for b in data)
    return len(ctx.captured_queries)


def test_resolving_uses_a_fixed_number_of_queries_for_any_number_of_blocks(fy2024):
    small, large = _queries(1), _queries(40)
    assert small == large
    assert large <= 16


def test_views_and_tables_compute_from_resolved_only(fy2024, django_assert_num_queries):
    data = _blocks(8)
    resolve_blocks(data, fiscal_year=2024)
    with django_assert_num_queries(0):
        for b in data:
            kind = blocks.get(b["kind"])
            view = kind.view(b["data"], b["resolved"], depth=2)
            assert view["tables"] or view["missing"]
            for table in kind.tables(b["data"], b["resolved"]):
                assert table.csv_rows()


def test_missing_records_are_strict_problems(fy2024):
    kind = blocks.get("budget_statement")
    [resolved] = kind.resolve_many([{"account": "nothing"}], fiscal_year=2024)
    assert resolved is None
    [problem] = kind.strict_problems({"account": "nothing"}, resolved)
    assert problem.message == "会計「nothing」のデータがありません。"
    assert kind.strict_problems({"account": ""}, None)[0].message == "会計が選ばれていません。"


def test_an_unbalanced_statement_blocks_submission(fy2024, excerpt_finance):
    koki = excerpt_finance["accounts"][1]
    koki["parts"][1]["lines"][0]["initial"] += 5
    del koki["parts"][1]["lines"][0]["final"]
    # entered as a year with no balance check on import would be refused, so store directly
    from finance import records, validation
    from finance.models import Account

    errors = validation.Errors()
    clean = validation.clean_account(koki, errors)
    assert errors.items == {}
    records.write_account(Account.objects.get(fiscal_year=2024, key="koki"), clean)
    kind = blocks.get("budget_statement")
    [resolved] = kind.resolve_many([{"account": "koki"}], fiscal_year=2024)
    problems = kind.strict_problems({"account": "koki"}, resolved)
    assert problems[0].message == (
        "後期高齢者医療特別会計 歳入と歳出の当初予算額が一致しません：歳入合計 2,639,075、歳出合計 2,639,080"
    )


def test_strict_problems_of_grants_funds_bonds_and_carry_over(fy2024, excerpt_finance):
    import_finance(
        {
            "comparisons": [
                {
                    "key": "kofuzei",
                    "title": "地方交付税年度比較表",
                    "rows": [
                        {"letter": "ア", "label": "基準財政需要額", "current": 1, "previous": 2}
                    ],
                }
            ],
            "funds": [
                {"key": "zaisei-chosei", "name": "財政調整基金", "opening": 5, "deposits": []}
            ],
            "bonds": {"loans": [], "balances": [{"lender": "財政融資資金", "opening": 1}]},
        },
        fiscal_year=2025,
    )
    messages = []
    for kind, data in [
        ("comparison_table", {"table": "kofuzei"}),
        ("fund_table", {"funds": None}),
        ("bond_table", {"view": "balances"}),
    ]:
        handler = blocks.get(kind)
        [resolved] = handler.resolve_many([data], fiscal_year=2025)
        messages += [p.message for p in handler.strict_problems(data, resolved)]
    assert any(
        "基準財政需要額の前年度が前年度の表の本年度と異なります：入力 2、前年度 15,363,668" in m
        for m in messages
    )
    assert any(
        "財政調整基金の前年度末現在高が前年度の年度末現在高と異なります：入力 5" in m
        for m in messages
    )
    assert any("地方公共団体金融機構" in m and "行がありません" in m for m in messages)


def test_fund_table_lists_every_fund_or_the_chosen_ones(fy2024):
    kind = blocks.get("fund_table")
    every, chosen = kind.resolve_many(
        [{"funds": None}, {"funds": ["kokyo-shisetsu", "gone"]}], fiscal_year=2024
    )
    assert [f["key"] for f in every["funds"]] == ["zaisei-chosei", "kokyo-shisetsu"]
    assert [f["key"] for f in chosen["funds"]] == ["kokyo-shisetsu"]
    assert kind.missing_message({"funds": ["kokyo-shisetsu", "gone"]}, chosen) == (
        "基金「gone」のデータがありません。"
    )
    summary, _, breakdown_b = kind.tables({"funds": None}, every)
    assert [c.display for c in summary.rows[-1].cells] == [
        "合計",
        "4,200,000",
        "631,200",
        "450,000",
        "4,381,200",
    ]
    assert breakdown_b.caption == "公共施設等整備基金の内訳"
