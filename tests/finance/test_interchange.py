"""The "finance" object of the interchange format: round trip, all errors at once, no partial write."""

import copy

import pytest

from akiruno.exceptions import InvalidInput
from finance.interchange import export_finance, import_finance
from finance.models import Account, BudgetLine, ComparisonTable, Fund, Grant, SupplementaryAmount

pytestmark = pytest.mark.django_db


def test_export_then_import_into_an_empty_database_gives_the_same_json(fy2024):
    first = export_finance(fiscal_year=2024)
    assert len(first["accounts"]) == 7 and first["bonds"] and first["funds"] and first["grants"]
    for model in (Account, ComparisonTable, Fund, Grant):
        model.objects.all().delete()
    from finance.models import BondLedger

    BondLedger.objects.all().delete()
    assert export_finance(fiscal_year=2024) == {
        "accounts": [],
        "comparisons": [],
        "bonds": None,
        "funds": [],
        "grants": [],
    }
    import_finance(copy.deepcopy(first), fiscal_year=2024)
    assert export_finance(fiscal_year=2024) == first


def test_import_replaces_the_years_records_and_leaves_other_years(fy2024, excerpt_finance):
    import_finance({"accounts": excerpt_finance["accounts"][:1]}, fiscal_year=2023)
    import_finance({"accounts": excerpt_finance["accounts"][1:2]}, fiscal_year=2024)
    assert [a["key"] for a in export_finance(fiscal_year=2024)["accounts"]] == ["koki"]
    assert export_finance(fiscal_year=2024)["funds"] == []
    assert [a["key"] for a in export_finance(fiscal_year=2023)["accounts"]] == ["kokuho"]


def test_every_problem_is_raised_together_with_json_pointers_and_nothing_is_written(
    zaisei, excerpt_finance
):
    data = excerpt_finance
    data["accounts"][0]["parts"][1]["lines"][3]["initial"] = "1.5"
    data["accounts"][1]["parts"][0]["lines"][0]["initial"] += 1  # unbalances 後期高齢者医療
    data["accounts"][1]["parts"][0]["lines"][0].pop("final")
    data["accounts"][1]["parts"][0]["lines"][0].pop("supplementary_total")
    data["comparisons"][1]["key"] = data["comparisons"][0]["key"]
    data["grants"][0]["received"] = 1
    data["funds"][1]["department"] = "no-such-division"
    data["bonds"]["loans"][0]["lender"] = "市中銀行"
    with pytest.raises(InvalidInput) as exc:
        import_finance(data, fiscal_year=2024)
    details = exc.value.details
    assert "整数ではありません" in details["/finance/accounts/0/parts/1/lines/3/initial"]
    assert details["/finance/accounts/1/parts/1/total/initial"] == (
        "後期高齢者医療特別会計 歳入と歳出の当初予算額が一致しません："
        "歳入合計 2,639,076、歳出合計 2,639,075"
    )
    assert "重複" in details["/finance/comparisons/1/key"]
    assert "充当額の合計が交付額と一致しません" in details["/finance/grants/0/projects"]
    assert "登録されていません" in details["/finance/funds/1/department"]
    assert "市中銀行" in details["/finance/bonds/loans/0/lender"]
    assert Account.objects.count() == 0
    assert BudgetLine.objects.count() == 0
    assert SupplementaryAmount.objects.count() == 0


def test_a_refused_import_leaves_the_existing_year_untouched(fy2024, excerpt_finance):
    before = export_finance(fiscal_year=2024)
    excerpt_finance["accounts"][0]["parts"][0]["lines"][0]["settlement"] = "abc"
    with pytest.raises(InvalidInput):
        import_finance(excerpt_finance, fiscal_year=2024)
    assert export_finance(fiscal_year=2024) == before


@pytest.mark.parametrize("data", [[], "x", {"accounts": "x"}, {"unknown": []}])
def test_malformed_finance_objects_are_refused(zaisei, data):
    with pytest.raises(InvalidInput) as exc:
        import_finance(data, fiscal_year=2024)
    assert exc.value.details
    assert all(where.startswith("/finance") for where in exc.value.details)


def test_floats_are_refused_even_when_integral(zaisei, excerpt_finance):
    excerpt_finance["accounts"][0]["parts"][0]["lines"][0]["initial"] = 1560383.0
    with pytest.raises(InvalidInput) as exc:
        import_finance(excerpt_finance, fiscal_year=2024)
    assert (
        "小数は入力できません" in exc.value.details["/finance/accounts/0/parts/0/lines/0/initial"]
    )


def test_management_commands_round_trip(fy2024, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "finance.json"
    call_command("finance_export", "--year", "2024", "--output", str(path))
    Account.objects.all().delete()
    call_command("finance_import", str(path), "--year", "2024")
    assert len(export_finance(fiscal_year=2024)["accounts"]) == 7
