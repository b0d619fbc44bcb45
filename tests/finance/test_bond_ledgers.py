"""地方債 ledgers per account (issue 15, item 1): one ledger for the general account and one for
each special or enterprise account that borrows, a lender shared between ledgers, 借入額 by
lender computed from each ledger's own loans, per-ledger and overall totals, the bond_table
block choosing the account, staff editing, carry-over per ledger and the interchange."""

import copy

import pytest

from akiruno.exceptions import InvalidInput
from finance import compute, selectors, services
from finance.interchange import export_finance, import_finance
from finance.models import BondLedger, LenderBalance, Loan
from reports import blocks
from reports.services import rendering
from reports.snapshot import resolve_blocks
from tests.finance.test_views import _form_data

pytestmark = pytest.mark.django_db

KUKAKU = "秋多都市計画事業武蔵引田駅北口土地区画整理事業特別会計"
GESUIDO = "下水道事業会計"


def kukaku_bonds() -> dict:
    """The 区画整理 ledger: borrows from 財政融資資金 too, a lender of the general ledger."""
    return {
        "account": "kukaku-seiri",
        "unit": "千円",
        "loans": [
            {
                "purpose": "土地区画整理事業債",
                "amount": 30000,
                "date": "2025-03-10",
                "lender": "財政融資資金",
                "rate": "0.700",
                "term_years": 20,
                "grace_years": 3,
            },
            {
                "purpose": "区画道路整備事業債",
                "amount": 12000,
                "date": "2025-03-18",
                "lender": "東京都区市町村振興基金",
                "rate": "0.500",
                "term_years": 15,
                "grace_years": 2,
            },
        ],
        "balances": [
            {"lender": "財政融資資金", "opening": 500000, "repaid": 40000, "carryover_note": ""},
            {
                "lender": "東京都区市町村振興基金",
                "opening": 80000,
                "repaid": 10000,
                "carryover_note": "",
            },
        ],
    }


def gesuido_bonds() -> dict:
    return {
        "account": "gesuido",
        "unit": "千円",
        "loans": [
            {
                "purpose": "下水道事業債",
                "amount": 50000,
                "date": "2025-03-21",
                "lender": "財政融資資金",
                "rate": "0.800",
                "term_years": 30,
                "grace_years": 5,
            }
        ],
        "balances": [
            {"lender": "財政融資資金", "opening": 900000, "repaid": 70000, "carryover_note": ""}
        ],
    }


@pytest.fixture
def two_ledgers(fy2024):
    """FY2024: the excerpt (general ledger) and the 区画整理 ledger, entered by the importer."""
    import_finance({"bond_ledgers": [kukaku_bonds()]}, fiscal_year=2024, only_given=True)
    return 2024


def _ledger(account: str | None, year: int = 2024) -> BondLedger:
    if account is None:
        return BondLedger.objects.get(fiscal_year=year, account__isnull=True)
    return BondLedger.objects.get(fiscal_year=year, account__key=account)


def _state() -> list:
    return [
        sorted(
            BondLedger.objects.values_list("fiscal_year", "account__key", "version", "unit"),
            key=repr,
        ),
        sorted(Loan.objects.values_list("ledger_id", "purpose", "amount", "lender")),
        sorted(LenderBalance.objects.values_list("ledger_id", "lender", "opening", "repaid")),
    ]


# -- the model ---------------------------------------------------------------------------------


def test_one_ledger_per_account_and_year(two_ledgers):
    from django.db import IntegrityError, transaction

    general, kukaku = _ledger(None), _ledger("kukaku-seiri")
    assert kukaku.account.name == KUKAKU and general.account_name == "一般会計"
    for account in (None, kukaku.account):
        with pytest.raises(IntegrityError), transaction.atomic():
            BondLedger.objects.create(
                fiscal_year=2024, department=general.department, account=account
            )
    # the same lender in two ledgers is two balances, each of its own ledger
    assert LenderBalance.objects.filter(lender="財政融資資金").count() == 2


# -- figures ---------------------------------------------------------------------------------


def test_borrowing_by_lender_is_computed_from_each_ledgers_own_loans(two_ledgers):
    data = export_finance(fiscal_year=2024)
    general = compute.bond_figures(data["bonds"])
    [kukaku_data] = data["bond_ledgers"]
    kukaku = compute.bond_figures(kukaku_data)
    assert {b.lender: b.borrowed for b in general.balances} == {
        "財政融資資金": 120000,
        "地方公共団体金融機構": 85000,
    }
    assert {b.lender: (b.opening, b.borrowed, b.repaid, b.closing) for b in kukaku.balances} == {
        "財政融資資金": (500000, 30000, 40000, 490000),
        "東京都区市町村振興基金": (80000, 12000, 10000, 82000),
    }
    for fig in general.balances + kukaku.balances:  # the roll-forward, lender by lender
        assert fig.opening + fig.borrowed - fig.repaid == fig.closing
    assert (kukaku.total.borrowed, kukaku.total.closing) == (42000, 572000)
    summary = compute.ledger_summary([("一般会計", data["bonds"]), (KUKAKU, kukaku_data)])
    total = compute.ledgers_total(summary)
    assert (total.opening, total.borrowed, total.repaid, total.closing) == (
        7350000 + 580000,
        205000 + 42000,
        670000 + 50000,
        6885000 + 572000,
    )


# -- the block --------------------------------------------------------------------------------


def test_the_block_chooses_the_account(two_ledgers):
    kind = blocks.get("bond_table")
    assert kind.clean({"view": "balances", "account": "kukaku-seiri"}) == {
        "view": "balances",
        "account": "kukaku-seiri",
    }
    assert kind.clean({"view": "balances", "account": "all"})["account"] == "all"
    for bad in ({"view": "loans", "account": "all"}, {"view": "balances", "account": "下水道"}):
        with pytest.raises(InvalidInput) as exc:
            kind.clean(bad)
        assert "/account" in exc.value.details
    general, kukaku, every, nothing = kind.resolve_many(
        [
            {"view": "balances"},
            {"view": "balances", "account": "kukaku-seiri"},
            {"view": "balances", "account": "all"},
            {"view": "loans", "account": "gesuido"},
        ],
        fiscal_year=2024,
    )
    assert "account" not in general["bonds"] and kukaku["bonds"]["account"] == "kukaku-seiri"
    [table] = kind.tables({"view": "balances", "account": "kukaku-seiri"}, kukaku)
    assert table.caption == f"地方債借入先別現在高（{KUKAKU}）"
    assert [c.display for c in table.rows[-1].cells] == [
        "合計",
        "580,000",
        "42,000",
        "50,000",
        "572,000",
    ]
    [summary] = kind.tables({"view": "balances", "account": "all"}, every)
    assert [[c.display for c in row.cells] for row in summary.rows] == [
        ["一般会計", "7,350,000", "205,000", "670,000", "6,885,000"],
        [KUKAKU, "580,000", "42,000", "50,000", "572,000"],
        ["合計", "7,930,000", "247,000", "720,000", "7,457,000"],
    ]
    assert nothing is None
    [problem] = kind.strict_problems({"view": "loans", "account": "gesuido"}, nothing)
    assert (problem.where, problem.message) == (
        "/account",
        "この年度の会計「gesuido」の地方債のデータがありません。",
    )
    assert kind.strict_problems({"view": "balances", "account": "all"}, every) == []


def _public_html(block_datas: list[dict]) -> str:
    content_blocks = [{"kind": "bond_table", "data": d} for d in block_datas]
    resolve_blocks(content_blocks, fiscal_year=2024)
    content = {
        "department": "zaisei",
        "department_name": "財政課",
        "items": [{"heading": "地方債", "blocks": content_blocks, "children": []}],
    }
    rendered = rendering.render_report(
        fiscal_year=2024, title="令和6年度 事務報告書", city="あきる野市", contents=[content]
    )
    return rendered.files["departments/zaisei.html"].decode()


def test_the_public_page_prints_each_accounts_figures(two_ledgers):
    general = _public_html([{"view": "balances", "chart": "none"}])
    assert "4,310,000" in general  # 財政融資資金 of 一般会計: 4,600,000 + 120,000 − 410,000
    assert "490,000" not in general and KUKAKU not in general
    kukaku = _public_html([{"view": "balances", "account": "kukaku-seiri", "chart": "none"}])
    assert f"地方債借入先別現在高（{KUKAKU}）" in kukaku
    assert "490,000" in kukaku and "82,000" in kukaku and "4,310,000" not in kukaku
    loans = _public_html([{"view": "loans", "account": "kukaku-seiri", "chart": "none"}])
    assert "土地区画整理事業債" in loans and "臨時財政対策債" not in loans
    every = _public_html([{"view": "balances", "account": "all"}])
    assert "地方債現在高（会計別）" in every and "7,457,000" in every and "6,885,000" in every


# -- staff editing --------------------------------------------------------------------------


@pytest.fixture
def finance_client(client, finance_editor):
    client.force_login(finance_editor)
    return client


def test_a_refused_save_names_the_ledger_row_and_field_and_changes_nothing(
    two_ledgers, finance_editor
):
    ledger = _ledger("kukaku-seiri")
    raw = kukaku_bonds()
    raw["loans"][0]["amount"] = "三万"
    raw["balances"][1]["repaid"] = 999999  # the closing balance would be negative
    before = _state()
    with pytest.raises(InvalidInput) as exc:
        services.record_save(record=ledger, raw=raw, user=finance_editor, version=ledger.version)
    assert KUKAKU in exc.value.message
    assert f"{KUKAKU} 地方債借入 土地区画整理事業債の借入額" in exc.value.details["/loans/0/amount"]
    raw["loans"][0]["amount"] = 30000
    with pytest.raises(InvalidInput) as exc:
        services.record_save(record=ledger, raw=raw, user=finance_editor, version=ledger.version)
    assert exc.value.message.startswith(f"地方債（{KUKAKU}）の数値が合いません")
    assert (
        f"{KUKAKU} 地方債現在高 東京都区市町村振興基金の年度末現在高が負"
        in (exc.value.details["/balances/1/repaid"])
    )
    assert _state() == before


def test_saving_keeps_the_ledger_of_its_account(two_ledgers, finance_editor):
    ledger = _ledger("kukaku-seiri")
    raw = {**kukaku_bonds(), "account": "gesuido"}  # the account is fixed once created
    raw["balances"][0]["repaid"] = 41000
    services.record_save(record=ledger, raw=raw, user=finance_editor, version=ledger.version)
    ledger.refresh_from_db()
    assert ledger.account.key == "kukaku-seiri" and ledger.version == 2
    assert ledger.balances.get(lender="財政融資資金").repaid == 41000
    assert _ledger(None).balances.get(lender="財政融資資金").repaid == 410000


def test_the_year_page_lists_a_ledger_per_account_and_creates_one(finance_client, two_ledgers):
    html = finance_client.get("/staff/finance/2024/").content.decode()
    assert f"{KUKAKU}の地方債" in html and "一般会計の地方債" in html
    assert "/staff/finance/2024/bonds/new/?account=gesuido" in html
    assert "/staff/finance/2024/bonds/new/?account=kukaku-seiri" not in html
    page = finance_client.get("/staff/finance/2024/bonds/new/?account=gesuido")
    data = _form_data(page)
    assert data["account"] == "gesuido"
    data |= {
        "action": "save",
        "loans-0-purpose": "下水道事業債",
        "loans-0-amount": "50,000",
        "loans-0-date": "令和7年3月21日",
        "loans-0-lender": "財政融資資金",
        "loans-0-rate": "0.800",
        "loans-0-term_years": "30",
        "loans-0-grace_years": "5",
        "balances-0-lender": "財政融資資金",
        "balances-0-opening": "900,000",
        "balances-0-repaid": "70,000",
    }
    response = finance_client.post("/staff/finance/2024/bonds/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    created = _ledger("gesuido")
    assert created.loans.get().amount == 50000 and created.department.code == "zaisei"
    again = finance_client.post("/staff/finance/2024/bonds/new/", data)
    assert (
        again.status_code == 409
        and f"地方債（{GESUIDO}）はすでにあります" in again.content.decode()
    )
    assert BondLedger.objects.filter(account__key="gesuido").count() == 1
    detail = finance_client.get(f"/staff/finance/bonds/{created.pk}/").content.decode()
    assert f"地方債（{GESUIDO}）" in detail


def test_a_refused_new_ledger_names_it_at_the_cell_and_creates_nothing(finance_client, two_ledgers):
    data = _form_data(finance_client.get("/staff/finance/2024/bonds/new/?account=gesuido"))
    data |= {
        "action": "save",
        "loans-0-purpose": "下水道事業債",
        "loans-0-amount": "-5",
        "loans-0-date": "令和7年3月21日",
        "loans-0-lender": "財政融資資金",
        "loans-0-rate": "0.800",
        "loans-0-term_years": "30",
        "loans-0-grace_years": "5",
    }
    before = _state()
    response = finance_client.post("/staff/finance/2024/bonds/new/", data)
    assert response.status_code == 400
    assert f"{GESUIDO} 地方債借入 下水道事業債の借入額" in response.content.decode()
    assert _state() == before


def test_deleting_an_account_with_a_ledger_is_refused(two_ledgers, finance_editor):
    account = _ledger("kukaku-seiri").account
    before = _state()
    with pytest.raises(Exception) as exc:
        services.record_delete(record=account, user=finance_editor, version=account.version)
    assert "地方債" in str(exc.value) and KUKAKU in str(exc.value)
    assert _state() == before


# -- carry-over --------------------------------------------------------------------------------


def test_carry_over_fills_each_ledger_from_the_same_accounts_ledger(two_ledgers, finance_editor):
    done = services.finance_start_year(fiscal_year=2025, user=finance_editor)
    assert f"地方債（{KUKAKU}）" in done["created"] and "地方債" in done["created"]
    general, kukaku = _ledger(None, 2025), _ledger("kukaku-seiri", 2025)
    assert kukaku.account.fiscal_year == 2025
    assert {b.lender: b.opening for b in kukaku.balances.all()} == {
        "財政融資資金": 490000,
        "東京都区市町村振興基金": 82000,
    }
    assert {b.lender: b.opening for b in general.balances.all()} == {
        "財政融資資金": 4310000,
        "地方公共団体金融機構": 2575000,
    }
    assert not kukaku.loans.exists()
    year = selectors.year_data(fiscal_year=2025)
    assert all(not e.differences for e in year.ledgers) and len(year.ledgers) == 2
    # a difference is checked against the same account's ledger only
    kukaku.balances.filter(lender="財政融資資金").update(opening=4310000)
    year = selectors.year_data(fiscal_year=2025)
    [entry] = [e for e in year.ledgers if e.obj.account_id]
    [difference] = entry.differences
    assert "入力 4,310,000、前年度 490,000" in difference.message
    assert not next(e for e in year.ledgers if not e.obj.account_id).differences


# -- the interchange -------------------------------------------------------------------------


def test_round_trip_export_import_export_is_identical(two_ledgers):
    import_finance(
        {"bond_ledgers": [kukaku_bonds(), gesuido_bonds()]}, fiscal_year=2024, only_given=True
    )
    first = export_finance(fiscal_year=2024)
    assert [ledger["account"] for ledger in first["bond_ledgers"]] == ["kukaku-seiri", "gesuido"]
    assert "account" not in first["bonds"]
    BondLedger.objects.all().delete()
    from finance.models import Account

    Account.objects.all().delete()
    import_finance(copy.deepcopy(first), fiscal_year=2024)
    assert export_finance(fiscal_year=2024) == first


def test_a_file_of_the_old_shape_imports_as_the_general_account(fy2024, excerpt_finance):
    old = copy.deepcopy(excerpt_finance)
    old["bonds"]["loans"][0]["amount"] = 130000
    old["bonds"]["balances"][0]["opening"] = 4610000
    import_finance(old, fiscal_year=2024)
    [ledger] = BondLedger.objects.filter(fiscal_year=2024)
    assert ledger.account is None and ledger.loans.all()[0].amount == 130000
    assert "bond_ledgers" not in export_finance(fiscal_year=2024)


def test_importing_accounts_again_keeps_the_ledgers_that_refer_to_them(
    two_ledgers, excerpt_finance
):
    import_finance({"accounts": excerpt_finance["accounts"]}, fiscal_year=2024, only_given=True)
    kukaku = _ledger("kukaku-seiri")
    assert kukaku.loans.count() == 2 and kukaku.account.key == "kukaku-seiri"


def test_a_refused_import_names_the_ledger_and_writes_nothing(two_ledgers):
    before = _state()
    unknown = {**gesuido_bonds(), "account": "nothing"}
    general_account = {**gesuido_bonds(), "account": None}
    bad = kukaku_bonds()
    bad["balances"][0]["repaid"] = 10**9
    with pytest.raises(InvalidInput) as exc:
        import_finance(
            {"bond_ledgers": [unknown, general_account, bad, kukaku_bonds()]},
            fiscal_year=2024,
            only_given=True,
        )
    details = exc.value.details
    assert (
        "この年度の特別会計・公営企業会計にありません" in details["/finance/bond_ledgers/0/account"]
    )
    assert "会計" in details["/finance/bond_ledgers/1/account"]
    assert (
        f"{KUKAKU} 地方債現在高 財政融資資金の年度末現在高が負"
        in (details["/finance/bond_ledgers/2/balances/0/repaid"])
    )
    assert "重複" in details["/finance/bond_ledgers/3/account"]
    with pytest.raises(InvalidInput) as exc:
        import_finance({"bonds": gesuido_bonds()}, fiscal_year=2024, only_given=True)
    assert "bond_ledgers" in exc.value.details["/finance/bonds/account"]
    assert _state() == before


# -- queries -----------------------------------------------------------------------------------


def _ledgers_of_2023(more: bool) -> None:
    """Last year's general ledger, and with `more` the special accounts' ledgers of both years."""
    general = {k: v for k, v in kukaku_bonds().items() if k != "account"} | {"loans": []}
    import_finance({"bonds": general}, fiscal_year=2023, only_given=True)
    if more:
        import_finance(
            {"bond_ledgers": [kukaku_bonds(), gesuido_bonds()]}, fiscal_year=2024, only_given=True
        )


@pytest.mark.parametrize("more", [False, True])
def test_the_finance_page_and_the_block_run_a_fixed_number_of_queries(
    finance_client, fy2024, django_assert_max_num_queries, more
):
    _ledgers_of_2023(more)
    with django_assert_max_num_queries(28):  # the same with 1 or 3 ledgers a year
        response = finance_client.get("/staff/finance/2024/")
    assert response.status_code == 200
    datas = [
        {"kind": "bond_table", "data": {"view": "balances", "account": a}}
        for a in ("kukaku-seiri", "gesuido", "all")
    ] + [{"kind": "bond_table", "data": {"view": "loans"}}]
    with django_assert_max_num_queries(4):
        resolve_blocks(datas, fiscal_year=2024)
    assert datas[2]["resolved"] is not None
    html_blocks = [b["data"] for b in datas]
    with django_assert_max_num_queries(4):
        html = _public_html(html_blocks)
    assert "地方債借入状況" in html


def test_the_report_document_carries_the_ledgers_and_follows_the_schema(two_ledgers, admin_user):
    from finance.models import Account
    from reports.models import Department
    from reports.services.interchange import export_report, import_report, schema_errors
    from tests import factories

    report = factories.make_report(2024)
    factories.make_section(Department.objects.get(code="zaisei"), report)
    document = export_report(fiscal_year=2024)
    assert schema_errors(document) == {}
    assert [ledger["account"] for ledger in document["finance"]["bond_ledgers"]] == ["kukaku-seiri"]
    zaisei = export_report(fiscal_year=2024, department="zaisei")
    assert zaisei["finance"]["bond_ledgers"] == document["finance"]["bond_ledgers"]
    broken = copy.deepcopy(document)
    broken["finance"]["bond_ledgers"][0]["account"] = "区画整理"
    assert "/finance/bond_ledgers/0/account" in schema_errors(broken)
    BondLedger.objects.all().delete()
    Account.objects.all().delete()
    import_report(copy.deepcopy(document), user=admin_user, replace=True)
    assert export_report(fiscal_year=2024)["finance"] == document["finance"]
