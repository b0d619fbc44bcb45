"""Each identity the planning division checks by hand, as properties over generated tables.

For every identity: the computation satisfies it, a printed figure that agrees is accepted, and a
printed figure that differs by any amount is refused with a message naming the table, the row,
the column and both figures.
"""

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from akiruno import numbers
from finance import carryover, compute, validation

AMOUNT = st.integers(min_value=-(10**12), max_value=10**12)
POSITIVE = st.integers(min_value=0, max_value=10**12)
MAYBE = st.none() | AMOUNT
NOT_ZERO = st.integers(min_value=-(10**9), max_value=10**9).filter(lambda d: d != 0)


@st.composite
def lines(draw, n: int, *, appropriation: bool = True, children: bool = True):
    count = draw(st.integers(min_value=0, max_value=8))
    out = []
    for i in range(count):
        line = {
            "number": str(i + 1),
            "name": f"款{i + 1}",
            "initial": draw(MAYBE),
            "supplementary": [draw(MAYBE) for _ in range(n)],
            "appropriation": draw(MAYBE) if appropriation else None,
            "settlement": draw(MAYBE),
            "children": [],
        }
        if children and draw(st.booleans()) and draw(st.booleans()):
            line["children"] = draw(lines(n, appropriation=appropriation, children=False))
            if line["children"]:
                line.update(
                    initial=None, supplementary=[None] * n, appropriation=None, settlement=None
                )
        out.append(line)
    return out


@st.composite
def accounts(draw):
    n = draw(st.integers(min_value=0, max_value=6))
    return {
        "key": "test",
        "name": "テスト特別会計",
        "kind": "special",
        "unit": "千円",
        "supplementary_count": n,
        "parts": [
            {"part": "revenue", "lines": draw(lines(n, appropriation=False))},
            {"part": "expenditure", "lines": draw(lines(n))},
        ],
    }


def _leaves(lines: list[dict]) -> list[dict]:
    out = []
    for line in lines:
        out += line["children"] or [line]
    return out


@given(accounts())
@settings(max_examples=150, deadline=None)
def test_final_is_initial_plus_supplementary_total_plus_appropriation(account):
    n = account["supplementary_count"]
    for part in account["parts"]:
        for line in _leaves(part["lines"]):
            f = compute.line_figures(line, n)
            supps = [s for s in line["supplementary"] if s is not None]
            assert f.supplementary_total == sum(supps)
            assert f.final == (line["initial"] or 0) + sum(supps) + (line["appropriation"] or 0)


@given(accounts())
@settings(max_examples=150, deadline=None)
def test_every_total_row_is_the_sum_of_its_lines_and_a_kan_the_sum_of_its_ko(account):
    n = account["supplementary_count"]
    for part in account["parts"]:
        total = compute.total_figures(part["lines"], n)
        leaves = [compute.line_figures(line, n) for line in _leaves(part["lines"])]
        assert total.initial == sum(f.initial or 0 for f in leaves)
        assert total.final == sum(f.final for f in leaves)
        assert total.supplementary_total == sum(f.supplementary_total for f in leaves)
        for k in range(n):
            assert total.supplementary[k] == sum(f.supplementary[k] or 0 for f in leaves)
        assert total.final == total.initial + total.supplementary_total + (total.appropriation or 0)
        for line in part["lines"]:
            if line["children"]:
                kan = compute.line_figures(line, n)
                ko = [compute.line_figures(c, n) for c in line["children"]]
                assert kan.final == sum(f.final for f in ko)


@given(accounts(), st.sampled_from(["initial", "supplementary_total", "final"]), NOT_ZERO)
@settings(max_examples=150, deadline=None)
def test_a_printed_total_that_differs_is_refused_with_both_figures(account, column, delta):
    n = account["supplementary_count"]
    computed = compute.total_figures(account["parts"][1]["lines"], n).column(column)
    entered = (computed or 0) + delta
    assume(abs(entered) <= numbers.MAX_ABS)
    account["parts"][1]["total"] = {column: entered}
    errors = validation.Errors()
    validation.clean_account(account, errors)
    label = compute.BUDGET_COLUMN_LABELS[column]
    assert errors.items == {
        f"/parts/1/total/{column}": (
            f"テスト特別会計 歳出 合計の{label}が一致しません："
            f"入力 {numbers.format_integer(entered)}、計算 {numbers.format_integer(computed or 0)}"
        )
    }


@given(accounts())
@settings(max_examples=100, deadline=None)
def test_a_printed_total_that_agrees_is_accepted_and_not_kept(account):
    n = account["supplementary_count"]
    for part in account["parts"]:
        t = compute.total_figures(part["lines"], n)
        part["total"] = {
            "initial": t.initial,
            "supplementary": t.supplementary,
            "supplementary_total": t.supplementary_total,
            "final": t.final,
            "settlement": t.settlement,
        }
    errors = validation.Errors()
    clean = validation.clean_account(account, errors)
    assert errors.items == {}
    assert all("total" not in part for part in clean["parts"])


@given(accounts())
@settings(max_examples=150, deadline=None)
def test_revenue_and_expenditure_balance_or_the_difference_is_named(account):
    n = account["supplementary_count"]
    revenue = compute.total_figures(account["parts"][0]["lines"], n)
    expenditure = compute.total_figures(account["parts"][1]["lines"], n)
    problems = validation.account_problems(account)
    unbalanced = [
        key
        for key in compute.budget_keys(n)
        if key not in {"appropriation", "settlement"}
        and (revenue.column(key) or 0) != (expenditure.column(key) or 0)
    ]
    assert [p.where.rsplit("/", 1)[-1] for p in problems] == unbalanced
    for problem, key in zip(problems, unbalanced, strict=True):
        assert (
            f"歳入合計 {numbers.format_integer(revenue.column(key) or 0)}、"
            f"歳出合計 {numbers.format_integer(expenditure.column(key) or 0)}" in problem.message
        )


def test_the_balance_check_names_both_totals():
    account = {
        "name": "国民健康保険特別会計",
        "kind": "special",
        "supplementary_count": 0,
        "parts": [
            {"part": "revenue", "lines": [{"initial": 8479247, "supplementary": []}]},
            {"part": "expenditure", "lines": [{"initial": 8479248, "supplementary": []}]},
        ],
    }
    [initial, final] = validation.account_problems(account)
    assert initial.message == (
        "国民健康保険特別会計 歳入と歳出の当初予算額が一致しません：歳入合計 8,479,247、歳出合計 8,479,248"
    )
    assert final.where == "/parts/1/total/final"


def test_enterprise_accounts_need_not_balance():
    account = {
        "name": "下水道事業会計",
        "kind": "enterprise",
        "supplementary_count": 0,
        "parts": [{"part": "capital_revenue", "lines": [{"initial": 1, "supplementary": []}]}],
    }
    assert validation.account_problems(account) == []


# -- year over year ----------------------------------------------------------------------------


def _ratio_by_definition(difference: int, previous: int) -> Decimal:
    return (Decimal(difference) * 100 / Decimal(previous)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


@given(POSITIVE, st.integers(min_value=1, max_value=10**12))
@settings(max_examples=300)
def test_ratio_is_difference_over_previous_rounded_half_up_to_one_decimal(current, previous):
    [row] = compute.comparison_figures([{"label": "x", "current": current, "previous": previous}])
    assert row.difference == current - previous
    with __import__("decimal").localcontext() as ctx:
        ctx.prec = 60
        assert row.ratio == _ratio_by_definition(current - previous, previous)


def test_ratio_rounding_rule_at_the_tie_and_at_zero():
    # 0.05% rounds up to 0.1, -0.05% to △0.1 (half away from zero); 0 over 0 is 0.0.
    assert compute.ratio(1, 2000) == Decimal("0.1")
    assert compute.ratio(-1, 2000) == Decimal("-0.1")
    assert compute.ratio(1, 2001) == Decimal("0.0")
    assert compute.ratio(0, 0) == Decimal("0.0")
    assert compute.ratio(5, 0) is None
    assert numbers.format_decimal(compute.ratio(-1, 2000), 1) == "△0.1"


@given(AMOUNT, AMOUNT, AMOUNT, AMOUNT)
def test_formula_rows_are_computed_from_the_lettered_rows(a_cur, a_prev, b_cur, b_prev):
    rows = [
        {"letter": "ア", "label": "a", "current": a_cur, "previous": a_prev},
        {"letter": "イ", "label": "b", "current": b_cur, "previous": b_prev},
        {"letter": "ウ", "label": "c", "formula": "ア-イ"},
        {"letter": None, "label": "d", "formula": "ウ+イ"},
    ]
    figures = compute.comparison_figures(rows)
    assert (figures[2].current, figures[2].previous) == (a_cur - b_cur, a_prev - b_prev)
    assert (figures[3].current, figures[3].previous) == (a_cur, a_prev)


@given(NOT_ZERO)
def test_a_typed_figure_on_a_formula_row_that_differs_is_refused(delta):
    table = {
        "key": "t",
        "title": "地方交付税年度比較表",
        "rows": [
            {"letter": "ア", "label": "基準財政需要額", "current": 100, "previous": 90},
            {"letter": "イ", "label": "基準財政収入額", "current": 40, "previous": 30},
            {"letter": "ウ", "label": "交付基準額〔ア－イ〕", "current": 60 + delta},
        ],
    }
    errors = validation.Errors()
    validation.clean_comparison(table, errors)
    assert errors.items == {
        "/rows/2/current": (
            f"地方交付税年度比較表 ウ 交付基準額の本年度が一致しません："
            f"入力 {numbers.format_integer(60 + delta)}、計算 60"
        )
    }


def test_a_formula_over_an_unknown_or_later_letter_is_refused():
    table = {
        "key": "t",
        "title": "表",
        "rows": [
            {"letter": "ア", "label": "a", "formula": "ア-イ"},
            {"letter": "イ", "label": "b", "current": 1, "previous": 1},
        ],
    }
    errors = validation.Errors()
    validation.clean_comparison(table, errors)
    assert "計算式の記号「ア」が、この行より前の行にありません。" in errors.items["/rows/0/formula"]


# -- bonds ----------------------------------------------------------------------------------------

LENDERS = ["財政融資資金", "地方公共団体金融機構", "市中銀行"]


@st.composite
def bonds(draw):
    lenders = draw(st.lists(st.sampled_from(LENDERS), min_size=1, max_size=3, unique=True))
    loans = [
        {
            "purpose": f"事業{i}",
            "amount": draw(st.integers(min_value=1, max_value=10**9)),
            "date": "2024-10-01",
            "lender": draw(st.sampled_from(lenders)),
            "rate": "0.500",
            "term_years": 10,
            "grace_years": 2,
        }
        for i in range(draw(st.integers(min_value=0, max_value=6)))
    ]
    balances = [
        {"lender": lender, "opening": draw(POSITIVE), "repaid": draw(POSITIVE)}
        for lender in lenders
    ]
    return {"unit": "千円", "loans": loans, "balances": balances}


@given(bonds())
@settings(max_examples=150)
def test_balances_roll_forward_and_borrowed_ties_to_the_loan_list(data):
    figures = compute.bond_figures(data)
    for balance in figures.balances:
        mine = [loan["amount"] for loan in data["loans"] if loan["lender"] == balance.lender]
        assert balance.borrowed == sum(mine)
        assert balance.closing == balance.opening + balance.borrowed - balance.repaid
    assert figures.total.borrowed == figures.loans_total == sum(x["amount"] for x in data["loans"])


@given(bonds(), NOT_ZERO)
@settings(max_examples=100)
def test_a_printed_closing_balance_that_differs_is_refused(data, delta):
    closing = compute.bond_figures(data).balances[0].closing
    data["balances"][0]["closing"] = closing + delta
    errors = validation.Errors()
    validation.clean_bonds(data, errors, fiscal_year=2024)
    lender = data["balances"][0]["lender"]
    assert errors.items["/balances/0/closing"] == (
        f"地方債現在高 {lender}の年度末現在高が一致しません："
        f"入力 {numbers.format_integer(closing + delta)}、計算 {numbers.format_integer(closing)}"
    )


def test_a_loan_from_a_lender_without_a_balance_breaks_the_tie():
    data = {
        "unit": "千円",
        "loans": [
            {
                "purpose": "道路整備事業債",
                "amount": 5000,
                "date": "2024-12-01",
                "lender": "市中銀行",
                "rate": "0.8",
                "term_years": 10,
                "grace_years": 1,
            }
        ],
        "balances": [{"lender": "財政融資資金", "opening": 100, "repaid": 10}],
    }
    errors = validation.Errors()
    clean = validation.clean_bonds(data, errors, fiscal_year=2024)
    assert errors.items == {}
    assert clean["loans"][0]["rate"] == "0.800"
    [problem] = validation.bonds_problems(clean)
    assert problem.where == "/loans/0/lender"
    assert "借入一覧 5,000、現在高の借入額 0" in problem.message


# -- funds and grants -----------------------------------------------------------------------------

ENTRIES = st.lists(
    st.builds(lambda a: {"label": "内訳", "amount": a}, st.integers(0, 10**9)), max_size=5
)


@given(st.integers(0, 10**12), ENTRIES, ENTRIES)
def test_fund_closing_is_opening_plus_deposits_minus_withdrawals(opening, deposits, withdrawals):
    fund = {"name": "基金", "opening": opening, "deposits": deposits, "withdrawals": withdrawals}
    f = compute.fund_figures(fund)
    assert f.closing == opening + sum(e["amount"] for e in deposits) - sum(
        e["amount"] for e in withdrawals
    )
    negative = [p for p in validation.fund_problems(fund) if "負になります" in p.message]
    assert bool(negative) == (f.closing < 0)


@given(st.integers(0, 10**9), ENTRIES, ENTRIES, NOT_ZERO)
def test_a_printed_deposit_total_that_differs_from_its_breakdown_is_refused(
    opening, deposits, withdrawals, delta
):
    total = sum(e["amount"] for e in deposits)
    fund = {
        "key": "f",
        "name": "財政調整基金",
        "opening": opening,
        "deposits": deposits,
        "withdrawals": withdrawals,
        "deposits_total": total + delta,
    }
    errors = validation.Errors()
    validation.clean_fund(fund, errors)
    assert errors.items == {
        "/deposits_total": (
            f"財政調整基金の積立額が一致しません：入力 {numbers.format_integer(total + delta)}、"
            f"計算 {numbers.format_integer(total)}"
        )
    }


@given(st.integers(0, 10**9), ENTRIES, ENTRIES)
def test_sub_balances_must_sum_to_the_closing_balance(opening, deposits, subs):
    fund = {
        "name": "基金",
        "opening": opening,
        "deposits": deposits,
        "withdrawals": [],
        "sub_balances": subs,
    }
    closing = compute.fund_figures(fund).closing
    problems = [p for p in validation.fund_problems(fund) if p.where == "/sub_balances"]
    assert bool(problems) == (bool(subs) and sum(e["amount"] for e in subs) != closing)


@given(st.integers(0, 10**9), st.lists(st.integers(0, 10**9), max_size=6))
def test_grant_projects_must_sum_to_the_grant_received(received, amounts):
    grant = {
        "name": "東京都市町村総合交付金",
        "received": received,
        "projects": [
            {"name": f"事業{i}", "amount": a, "description": ""} for i, a in enumerate(amounts)
        ],
    }
    problems = validation.grant_problems(grant)
    if sum(amounts) == received:
        assert problems == []
    else:
        [problem] = problems
        assert problem.message == (
            f"東京都市町村総合交付金 充当額の合計が交付額と一致しません：交付額 "
            f"{numbers.format_integer(received)}、充当額合計 {numbers.format_integer(sum(amounts))}"
        )


# -- across years ---------------------------------------------------------------------------------


@given(st.integers(0, 10**9), ENTRIES, ENTRIES, st.integers(-(10**6), 10**6))
def test_a_new_years_fund_opens_with_last_years_closing_and_a_difference_is_flagged(
    opening, deposits, withdrawals, delta
):
    last = {
        "key": "f",
        "name": "基金",
        "opening": opening,
        "deposits": deposits,
        "withdrawals": withdrawals,
        "sub_balances": [],
    }
    closing = compute.fund_figures(last).closing
    assume(closing >= 0)
    new = carryover.previous_year_fill("fund", last)
    assert new["opening"] == closing
    assert carryover.fund_differences(new, last) == []
    changed = {**new, "opening": closing + delta}
    flagged = carryover.fund_differences(changed, last)
    assert bool(flagged) == (delta != 0)
    noted = carryover.fund_differences({**changed, "carryover_note": "決算修正のため"}, last)
    assert all(d.noted for d in noted)


@given(bonds())
@settings(max_examples=100)
def test_a_new_years_bond_balances_open_with_last_years_closing(data):
    new = carryover.previous_year_fill("bonds", data)
    closings = {b.lender: b.closing for b in compute.bond_figures(data).balances}
    assert new["loans"] == []
    assert {b["lender"]: b["opening"] for b in new["balances"]} == {
        lender: value for lender, value in closings.items() if value != 0
    }
    assert carryover.bonds_differences(new, data) == []
