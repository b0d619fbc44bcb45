"""Bad input is refused with a message per cell; staff notation is accepted."""

import pytest

from finance import validation


def _account(**changes) -> dict:
    account = {
        "key": "kokuho",
        "name": "国民健康保険特別会計",
        "kind": "special",
        "unit": "千円",
        "supplementary_count": 2,
        "parts": [
            {
                "part": "revenue",
                "lines": [
                    {
                        "number": "1",
                        "name": "国民健康保険税",
                        "initial": "１，５６０，３８３",
                        "supplementary": ["", "▲16,658"],
                        "settlement": "1,547,761千円",
                    }
                ],
            },
            {"part": "expenditure", "lines": []},
        ],
    }
    account.update(changes)
    return account


def _clean(account: dict) -> tuple[dict, dict]:
    errors = validation.Errors()
    clean = validation.clean_account(account, errors)
    return clean, errors.items


def test_staff_notation_is_read_as_exact_integers():
    clean, errors = _clean(_account())
    assert errors == {}
    line = clean["parts"][0]["lines"][0]
    assert (line["initial"], line["supplementary"], line["settlement"]) == (
        1560383,
        [None, -16658],
        1547761,
    )


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("abc", "「abc」は金額として読めません"),
        ("1.5", "「1.5」は整数ではありません"),
        (1.5, "「1.5」は整数ではありません"),
        (2.0, "整数ではありません"),
        ("1,23,4", "カンマの位置が正しくありません"),
        ("10000000000000000", "大きすぎます"),
        (10**16, "大きすぎます"),
        ("3,960円", "単位が違います"),
        (True, "整数で入力してください"),
        ([1], "整数で入力してください"),
    ],
)
def test_a_bad_amount_is_refused_naming_the_table_row_and_column(value, fragment):
    account = _account()
    account["parts"][0]["lines"][0]["initial"] = value
    _, errors = _clean(account)
    message = errors["/parts/0/lines/0/initial"]
    assert message.startswith("国民健康保険特別会計 歳入 1 国民健康保険税の当初予算額")
    assert fragment in message


def test_every_problem_is_reported_at_once():
    account = _account(kind="town", supplementary_count=99, unit="ドル")
    account["parts"][0]["lines"][0].update(initial="x", settlement="y")
    _, errors = _clean(account)
    assert {"/kind", "/supplementary_count", "/unit", "/parts/0/lines/0/initial"} <= set(errors)


def test_appropriation_is_refused_on_the_revenue_side():
    account = _account()
    account["parts"][0]["lines"][0]["appropriation"] = 250
    _, errors = _clean(account)
    assert "支出の側にだけ" in errors["/parts/0/lines/0/appropriation"]


def test_a_supplementary_amount_beyond_the_accounts_budgets_is_refused():
    account = _account(supplementary_count=1)
    _, errors = _clean(account)
    assert (
        "第2号の補正予算額がありますが、この会計の補正予算は第1号までです"
        in (errors["/parts/0/lines/0/supplementary/1"])
    )


def test_parts_must_belong_to_the_kind_of_account():
    account = _account(kind="enterprise")
    _, errors = _clean(account)
    assert "使える区分: operating_revenue（収益的収入）" in errors["/parts/0/part"]


def test_sub_lines_make_the_kan_a_computed_line_and_its_printed_figures_are_compared():
    account = _account(supplementary_count=0)
    account["parts"][0]["lines"] = [
        {
            "number": "1",
            "name": "市税",
            "initial": "300",  # printed: compared with the sum of its 項
            "children": [
                {"number": "1", "name": "市民税", "initial": 100},
                {"number": "2", "name": "固定資産税", "initial": 150},
            ],
        }
    ]
    clean, errors = _clean(account)
    assert errors == {
        "/parts/0/lines/0/initial": "国民健康保険特別会計 歳入 1 市税の当初予算額が一致しません：入力 300、計算 250"
    }
    account["parts"][0]["lines"][0]["initial"] = "250"
    clean, errors = _clean(account)
    assert errors == {}
    assert clean["parts"][0]["lines"][0]["initial"] is None
    assert [c["initial"] for c in clean["parts"][0]["lines"][0]["children"]] == [100, 150]


def test_bond_loans_are_checked_field_by_field():
    bonds = {
        "loans": [
            {
                "purpose": "道路整備事業債",
                "amount": "-5",
                "date": "2023-04-01",
                "lender": "",
                "rate": "1.2345",
                "term_years": "5",
                "grace_years": "5",
            }
        ],
        "balances": [
            {"lender": "財政融資資金", "opening": 1, "repaid": 0},
            {"lender": "財政融資資金", "opening": 1, "repaid": 0},
        ],
    }
    errors = validation.Errors()
    validation.clean_bonds(bonds, errors, fiscal_year=2024)
    assert "負の値" in errors.items["/loans/0/amount"]
    assert "出納整理期間を含む" in errors.items["/loans/0/date"]
    assert "借入先を入力してください" in errors.items["/loans/0/lender"]
    assert "小数第3位まで" in errors.items["/loans/0/rate"]
    assert "償還期間（5年）より短く" in errors.items["/loans/0/grace_years"]
    assert "重複" in errors.items["/balances/1/lender"]


def test_a_loan_taken_in_the_closing_period_belongs_to_the_year():
    bonds = {
        "loans": [
            {
                "purpose": "事業債",
                "amount": 1,
                "date": "令和7年5月31日",
                "lender": "A",
                "rate": "1",
                "term_years": 10,
            }
        ],
        "balances": [{"lender": "A", "opening": 0}],
    }
    errors = validation.Errors()
    clean = validation.clean_bonds(bonds, errors, fiscal_year=2024)
    assert errors.items == {}
    assert clean["loans"][0]["date"] == "2025-05-31"
    assert clean["loans"][0]["grace_years"] == 0


def test_fund_and_grant_amounts_may_not_be_negative():
    errors = validation.Errors()
    validation.clean_fund(
        {"key": "f", "name": "基金", "opening": "△1", "deposits": [{"label": "x", "amount": -3}]},
        errors,
    )
    validation.clean_grant(
        {"key": "g", "name": "交付金", "received": 10, "projects": [{"name": "", "amount": "x"}]},
        errors,
        "/grant",
    )
    assert "負の値" in errors.items["/opening"]
    assert "負の値" in errors.items["/deposits/0/amount"]
    assert "事業名を入力してください" in errors.items["/grant/projects/0/name"]
    assert "読めません" in errors.items["/grant/projects/0/amount"]


def test_keys_are_slugs():
    errors = validation.Errors()
    validation.clean_grant({"key": "Sogo Kofu", "name": "x", "received": 1}, errors)
    assert "使えません" in errors.items["/key"]


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("交付基準額〔ア－イ〕", ("交付基準額", "ア-イ")),
        ("地方交付税交付額〔オ＋カ〕", ("地方交付税交付額", "オ+カ")),
        ("普通交付税交付額(ウ−エ)", ("普通交付税交付額", "ウ-エ")),
        ("基準財政需要額（再掲）", ("基準財政需要額（再掲）", "")),
    ],
)
def test_a_printed_formula_label_is_read_as_label_and_formula(label, expected):
    assert validation.split_formula_label(label) == expected
