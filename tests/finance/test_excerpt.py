"""Every finance table of the FY2024 excerpt is entered and every printed total is computed."""

import copy

import pytest
from django.template.loader import render_to_string

from akiruno.exceptions import InvalidInput
from finance import compute, tables
from finance.interchange import export_finance, import_finance
from reports.snapshot import section_content
from reports.tree import render_tree
from tests import factories
from tests.finance import excerpt

pytestmark = pytest.mark.django_db


def _printed(figures: compute.Figures) -> tuple:
    return (
        figures.initial,
        figures.supplementary,
        figures.supplementary_total,
        figures.appropriation,
        figures.final,
        figures.settlement,
    )


def test_every_printed_total_of_every_account_is_reproduced(fy2024):
    exported = export_finance(fiscal_year=2024)
    checked = set()
    for account in exported["accounts"]:
        n = account["supplementary_count"]
        for part in account["parts"]:
            total = compute.total_figures(part["lines"], n)
            assert _printed(total) == excerpt.PRINTED_TOTALS[(account["key"], part["part"])]
            checked.add((account["key"], part["part"]))
    assert checked == set(excerpt.PRINTED_TOTALS)
    assert {"kokuho", "gesuido"} <= {key for key, _ in checked}


def test_kokuho_both_sides_print_as_in_the_excerpt(fy2024):
    kokuho = next(a for a in export_finance(fiscal_year=2024)["accounts"] if a["key"] == "kokuho")
    [table] = tables.account_tables(kokuho)
    totals = [row for row in table.rows if row.kind == "total"]
    printed = [[c.display for c in row.cells[3:]] for row in totals]
    revenue = ["8,346,161", "6,948", "101,322", "30", "24,786", "133,086", "", "8,479,247"]
    assert printed[0] == [*revenue, "8,269,325"]
    assert printed[1] == [*revenue, "8,144,402"]
    first = table.rows[0]
    assert [c.display for c in first.cells] == [
        "歳入",
        "1",
        "国民健康保険税",
        "1,560,383",
        "",
        "△16,658",
        "",
        "",
        "△16,658",
        "",
        "1,543,725",
        "1,547,761",
    ]
    assert table.groups[4] == ("補正予算額", 5)  # 第1号…第4号 | 合計


def test_gesuido_prints_two_tables_operating_and_capital(fy2024):
    gesuido = next(a for a in export_finance(fiscal_year=2024)["accounts"] if a["key"] == "gesuido")
    operating, capital = tables.account_tables(gesuido)
    assert operating.caption == "下水道事業会計 収益的収入及び支出"
    assert capital.caption == "下水道事業会計 資本的収入及び支出"
    op_totals = [[c.display for c in r.cells[3:]] for r in operating.rows if r.kind == "total"]
    assert op_totals[0] == ["2,051,776", "8,279", "△16,952", "△8,673", "", "2,043,103", "1,973,405"]
    assert op_totals[1] == ["2,006,723", "8,279", "△16,952", "△8,673", "", "1,998,050", "1,924,999"]
    cap_totals = [[c.display for c in r.cells[3:]] for r in capital.rows if r.kind == "total"]
    assert cap_totals[0] == ["1,493,600", "7,194", "241", "7,435", "", "1,501,035", "1,182,181"]
    assert cap_totals[1] == ["2,348,956", "7,194", "241", "7,435", "", "2,356,391", "1,996,532"]


def test_one_supplementary_budget_prints_no_total_column(fy2024):
    tokura = next(a for a in export_finance(fiscal_year=2024)["accounts"] if a["key"] == "tokura")
    [table] = tables.account_tables(tokura)
    assert [c["label"] for c in table.columns][3:] == [
        "当初予算額",
        "第1号",
        "充当額",
        "最終予算額",
        "決算額",
    ]


@pytest.mark.parametrize(
    ("table", "printed"),
    [(excerpt.KOFUZEI, excerpt.KOFUZEI_PRINTED), (excerpt.SOGO, excerpt.SOGO_PRINTED)],
    ids=["kofuzei", "sogo"],
)
def test_comparison_tables_compute_difference_and_ratio_as_printed(fy2024, table, printed):
    stored = next(
        t for t in export_finance(fiscal_year=2024)["comparisons"] if t["key"] == table["key"]
    )
    figures = compute.comparison_figures(stored["rows"])
    assert [(f.current, f.previous, f.difference, str(f.ratio)) for f in figures] == printed
    [view] = tables.comparison_tables(stored)
    assert [row.cells[-1].display for row in view.rows] == [p[3] for p in printed]


def test_formula_rows_are_stored_as_formulas_not_figures(fy2024):
    kofuzei = next(
        t for t in export_finance(fiscal_year=2024)["comparisons"] if t["key"] == "kofuzei"
    )
    formula_rows = [r for r in kofuzei["rows"] if r["formula"]]
    assert [(r["label"], r["formula"], r["current"], r["previous"]) for r in formula_rows] == [
        ("交付基準額", "ア-イ", None, None),
        ("普通交付税交付額", "ウ-エ", None, None),
        ("地方交付税交付額", "オ+カ", None, None),
    ]
    [view] = tables.comparison_tables(kofuzei)
    assert [row.cells[1].display for row in view.rows][2] == "交付基準額〔ア－イ〕"
    assert view.unit == "千円、％"


def test_stored_data_holds_no_computed_figure(fy2024):
    exported = export_finance(fiscal_year=2024)
    for account in exported["accounts"]:
        for part in account["parts"]:
            assert "total" not in part
            for line in part["lines"]:
                assert set(line) == {
                    "number",
                    "name",
                    "initial",
                    "supplementary",
                    "appropriation",
                    "settlement",
                    "children",
                }


def test_a_wrong_printed_total_is_refused_naming_table_row_column_and_both_figures(
    zaisei, excerpt_finance
):
    kokuho = excerpt_finance["accounts"][0]
    kokuho["parts"][1]["total"] = {"final": "8,479,248"}
    with pytest.raises(InvalidInput) as exc:
        import_finance(excerpt_finance, fiscal_year=2024)
    assert exc.value.details == {
        "/finance/accounts/0/parts/1/total/final": (
            "国民健康保険特別会計 歳出 合計の最終予算額が一致しません：入力 8,479,248、計算 8,479,247"
        )
    }
    assert export_finance(fiscal_year=2024)["accounts"] == []


def test_printed_totals_of_the_excerpt_are_accepted_when_they_match(zaisei, excerpt_finance):
    for account in excerpt_finance["accounts"]:
        for part in account["parts"]:
            initial, supps, supp_total, appropriation, final, settlement = excerpt.PRINTED_TOTALS[
                (account["key"], part["part"])
            ]
            part["total"] = {
                "initial": initial,
                "supplementary": supps,
                "supplementary_total": supp_total,
                "appropriation": appropriation,
                "final": final,
                "settlement": settlement,
            }
    import_finance(excerpt_finance, fiscal_year=2024)
    assert len(export_finance(fiscal_year=2024)["accounts"]) == 7


def test_a_section_embedding_the_statements_renders_the_printed_figures(fy2024, report):
    section = factories.make_section(factories.make_department("zaisei"), report)
    item = factories.make_item(section, "特別会計")
    factories.make_block(item, "budget_statement", {"account": "kokuho"})
    factories.make_block(item, "budget_statement", {"account": "gesuido"})
    factories.make_block(item, "comparison_table", {"table": "kofuzei"})
    factories.make_block(item, "comparison_table", {"table": "sogo-kofukin"})
    content = section_content(section)
    html = render_to_string(
        "report/section.html",
        {"department_name": "財政課", "items": render_tree(content)},
    )
    for figure in ("8,479,247", "8,269,325", "8,144,402", "△16,658", "2,356,391", "1,809,014"):
        assert figure in html
    assert "（単位：千円）" in html
    assert "（単位：千円、％）" in html
    assert '<th scope="colgroup" colspan="5">補正予算額</th>' in html
    assert "交付基準額〔ア－イ〕" in html
    for ratio in ("3.3", "1.6", "7.4", "0.0", "1.8", "6.8", "2.0"):
        assert f'<td class="num">{ratio}</td>' in html


def test_the_excerpt_entered_through_the_grid_is_stored_as_printed(client, finance_editor):
    """Staff type the printed lines (full-width digits, ▲, commas) into the grid and save."""
    from finance import services

    account = services.record_create(
        kind="account",
        fiscal_year=2024,
        user=finance_editor,
        raw={
            "key": "kokuho",
            "name": "国民健康保険特別会計",
            "kind": "special",
            "supplementary_count": 4,
        },
    )
    post = {"version": account.version, "action": "save", "revenue-rows": 7, "expenditure-rows": 8}
    post.update(
        {
            "name": "国民健康保険特別会計",
            "key": "kokuho",
            "unit": "千円",
            "order": "1",
            "kind": "special",
        }
    )
    post["supplementary_count"] = "４"
    for part in ("revenue", "expenditure"):
        lines = excerpt.KOKUHO["parts"][0 if part == "revenue" else 1]["lines"]
        for i, line in enumerate(lines):
            post[f"{part}-{i}-number"] = line["number"]
            post[f"{part}-{i}-name"] = " ".join(line["name"])  # letter-spaced, as printed
            post[f"{part}-{i}-initial"] = _typed(line["initial"])
            for k, value in enumerate(line["supplementary"], start=1):
                post[f"{part}-{i}-s{k}"] = "" if value is None else _typed(value)
            post[f"{part}-{i}-settlement"] = _typed(line["settlement"])
            if part == "expenditure":
                post[f"{part}-{i}-appropriation"] = ""
    response = client.post(f"/staff/finance/accounts/{account.pk}/", post)
    assert response.status_code == 302, response.content.decode()[:2000]
    stored = export_finance(fiscal_year=2024)["accounts"][0]
    expected = copy.deepcopy(excerpt.KOKUHO)
    for part in expected["parts"]:
        for line in part["lines"]:
            del line["supplementary_total"], line["final"]
            line["children"] = []
    assert stored["parts"] == expected["parts"]


def _typed(value: int) -> str:
    """A figure as staff type it: full-width digits with commas, ▲ for negatives."""
    from akiruno.wareki import to_fullwidth_digits

    text = to_fullwidth_digits(f"{abs(value):,}").replace(",", "，")
    return f"▲{text}" if value < 0 else text


@pytest.fixture
def client(client, finance_editor):
    client.force_login(finance_editor)
    return client
