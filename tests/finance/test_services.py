"""Services: permissions, compare-and-set saves, refusals that change nothing, carry-over."""

import pytest

from akiruno.exceptions import Conflict, InvalidInput, NotFound, PermissionDenied, StaleVersion
from finance import selectors, services
from finance.interchange import export_finance, import_finance
from finance.models import Account, BondLedger, ComparisonTable, Fund
from reports.models import AnnualReport
from reports.permissions import policy
from tests import factories

pytestmark = pytest.mark.django_db


def _kokuho() -> Account:
    return Account.objects.get(fiscal_year=2024, key="kokuho")


def _raw(account: Account) -> dict:
    return selectors.entry_for(account).data


def test_finance_editors_edit_reviewers_view_and_others_get_404(
    fy2024, finance_editor, finance_head, reviewer, editor, admin_user
):
    account = _kokuho()
    assert policy.can(finance_editor, "edit", account)
    assert policy.can(finance_head, "edit", account)
    assert policy.can(reviewer, "view", account) and not policy.can(reviewer, "edit", account)
    assert policy.can(admin_user, "edit", account)
    with pytest.raises(NotFound):
        policy.check(editor, "view", account)
    with pytest.raises(NotFound):
        services.record_save(record=account, raw=_raw(account), user=editor, version=1)
    with pytest.raises(PermissionDenied):
        services.record_save(record=account, raw=_raw(account), user=reviewer, version=1)
    assert list(policy.visible(editor, Account)) == []
    assert policy.visible(reviewer, Account).count() == 7


def test_a_save_replaces_the_figures_and_bumps_the_version(fy2024, finance_editor):
    account = _kokuho()
    raw = _raw(account)
    raw["parts"][0]["lines"][0]["settlement"] = "1,547,762"
    services.record_save(record=account, raw=raw, user=finance_editor, version=1)
    account.refresh_from_db()
    assert account.version == 2 and account.updated_by == finance_editor
    assert _raw(account)["parts"][0]["lines"][0]["settlement"] == 1547762


def test_a_stale_save_is_refused_and_changes_nothing(fy2024, finance_editor):
    account = _kokuho()
    raw = _raw(account)
    services.record_save(record=account, raw=raw, user=finance_editor, version=1)
    before = export_finance(fiscal_year=2024)
    raw["parts"][0]["lines"][0]["settlement"] = 1
    with pytest.raises(StaleVersion):
        services.record_save(record=_kokuho(), raw=raw, user=finance_editor, version=1)
    assert export_finance(fiscal_year=2024) == before


def test_a_refused_save_leaves_every_line_as_it_was(fy2024, finance_editor):
    account = _kokuho()
    before = export_finance(fiscal_year=2024)
    raw = _raw(account)
    raw["parts"][0]["lines"][0]["initial"] = 999  # valid cell ...
    raw["parts"][1]["lines"][2]["settlement"] = "九"  # ... but another cell is not
    with pytest.raises(InvalidInput) as exc:
        services.record_save(record=account, raw=raw, user=finance_editor, version=1)
    assert list(exc.value.details) == ["/parts/1/lines/2/settlement"]
    assert export_finance(fiscal_year=2024) == before
    account.refresh_from_db()
    assert account.version == 1


def test_an_unbalanced_statement_can_be_saved_as_work_in_progress(fy2024, finance_editor):
    account = _kokuho()
    raw = _raw(account)
    raw["parts"][1]["lines"] = raw["parts"][1]["lines"][:3]
    services.record_save(record=account, raw=raw, user=finance_editor, version=1)
    entry = selectors.entry_for(_kokuho())
    assert any("歳入と歳出の当初予算額が一致しません" in p.message for p in entry.problems)


def test_identities_between_typed_figures_are_refused_at_save_for_grants(fy2024, finance_editor):
    grant = selectors.year_data(fiscal_year=2024).grants[0]
    raw = dict(grant.data, received=1)
    with pytest.raises(InvalidInput) as exc:
        services.record_save(record=grant.obj, raw=raw, user=finance_editor, version=1)
    assert "交付額 1、充当額合計 1,809,014" in exc.value.details["/projects"]


def test_keys_stay_unique_within_a_year(fy2024, finance_editor):
    raw = _raw(Account.objects.get(fiscal_year=2024, key="koki"))
    raw["key"] = "kokuho"
    with pytest.raises(InvalidInput) as exc:
        services.record_save(
            record=Account.objects.get(key="koki"), raw=raw, user=finance_editor, version=1
        )
    assert "/key" in exc.value.details


def test_only_the_finance_division_creates_records(zaisei, editor, finance_editor):
    raw = {"key": "ippan", "name": "一般会計", "kind": "general"}
    with pytest.raises(PermissionDenied):
        services.record_create(kind="account", fiscal_year=2024, user=editor, raw=raw)
    assert Account.objects.count() == 0
    account = services.record_create(kind="account", fiscal_year=2024, user=finance_editor, raw=raw)
    assert account.department == zaisei and account.version == 1


def test_a_published_years_figures_cannot_change(fy2024, finance_editor):
    AnnualReport.objects.filter(pk=factories.make_report(2024).pk).update(
        state=AnnualReport.State.PUBLISHED
    )
    account = _kokuho()
    with pytest.raises(Conflict):
        services.record_save(record=account, raw=_raw(account), user=finance_editor, version=1)
    with pytest.raises(Conflict):
        services.record_delete(record=account, user=finance_editor, version=1)
    assert Account.objects.filter(pk=account.pk).exists()


def test_starting_a_year_fills_openings_and_previous_columns_from_last_year(fy2024, finance_editor):
    done = services.finance_start_year(fiscal_year=2025, user=finance_editor)
    assert len(done["created"]) == 7 + 2 + 1 + 2  # accounts, comparisons, bonds, funds
    new = export_finance(fiscal_year=2025)
    assert new["grants"] == []
    kokuho = next(a for a in new["accounts"] if a["key"] == "kokuho")
    assert kokuho["supplementary_count"] == 0
    assert [line["name"] for line in kokuho["parts"][0]["lines"]][:2] == [
        "国民健康保険税",
        "国庫支出金",
    ]
    assert all(line["initial"] is None for p in kokuho["parts"] for line in p["lines"])
    kofuzei = next(t for t in new["comparisons"] if t["key"] == "kofuzei")
    assert [(r["current"], r["previous"]) for r in kofuzei["rows"] if not r["formula"]] == [
        (None, 15363668),
        (None, 10551470),
        (None, 0),
        (None, 498136),
    ]
    assert {b["lender"]: b["opening"] for b in new["bonds"]["balances"]} == {
        "財政融資資金": 4600000 + 120000 - 410000,
        "地方公共団体金融機構": 2750000 + 85000 - 260000,
    }
    assert {f["key"]: f["opening"] for f in new["funds"]} == {
        "zaisei-chosei": 3200000 + 601200 - 450000,
        "kokyo-shisetsu": 1030000,
    }
    year = selectors.year_data(fiscal_year=2025)
    assert all(not e.differences for e in year.entries)


def test_a_difference_from_last_year_is_flagged_never_overwritten(fy2024, finance_editor):
    services.finance_start_year(fiscal_year=2025, user=finance_editor)
    fund = Fund.objects.get(fiscal_year=2025, key="zaisei-chosei")
    raw = selectors.entry_for(fund).data
    raw["opening"] = 1
    services.record_save(record=fund, raw=raw, user=finance_editor, version=fund.version)
    done = services.finance_start_year(fiscal_year=2025, user=finance_editor)
    assert done["created"] == []
    entry = selectors.entry_for(Fund.objects.get(fiscal_year=2025, key="zaisei-chosei"))
    assert entry.data["opening"] == 1
    [difference] = entry.differences
    assert difference.message == (
        "財政調整基金の前年度末現在高が前年度の年度末現在高と異なります：入力 1、前年度 3,351,200"
    )
    assert entry.blocking == [difference]
    raw["carryover_note"] = "決算修正のため"
    services.record_save(record=entry.obj, raw=raw, user=finance_editor, version=entry.obj.version)
    assert selectors.entry_for(entry.obj).blocking == []


def test_starting_a_year_fills_only_empty_previous_cells(fy2024, finance_editor):
    import_finance(
        {
            "comparisons": [
                {
                    "key": "kofuzei",
                    "title": "地方交付税年度比較表",
                    "rows": [
                        {"letter": "ア", "label": "基準財政需要額", "current": 1, "previous": None},
                        {"letter": "イ", "label": "基準財政収入額", "current": 1, "previous": 7},
                    ],
                }
            ]
        },
        fiscal_year=2025,
    )
    done = services.finance_start_year(fiscal_year=2025, user=finance_editor)
    assert done["filled"] == ["地方交付税年度比較表"]
    rows = ComparisonTable.objects.get(fiscal_year=2025, key="kofuzei").rows.order_by("position")
    assert [r.previous for r in rows] == [15363668, 7]
    entry = selectors.entry_for(ComparisonTable.objects.get(fiscal_year=2025, key="kofuzei"))
    [difference] = entry.differences
    assert "基準財政収入額の前年度が前年度の表の本年度と異なります：入力 7、前年度 10,551,470" in (
        difference.message
    )
    assert BondLedger.objects.filter(fiscal_year=2025).exists()


def test_starting_a_year_without_last_years_data_is_refused(zaisei, finance_editor):
    with pytest.raises(InvalidInput):
        services.finance_start_year(fiscal_year=2030, user=finance_editor)
    assert Account.objects.count() == 0
