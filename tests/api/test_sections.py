"""Sections: filters as written in the issue, the numbered tree with computed views, the ETag."""

import datetime as dt

import pytest
from django.utils import timezone

from reports.models import Section
from tests import factories
from tests.api.conftest import assert_error


@pytest.fixture
def years(report, koshitsu, zaisei, planning):
    """FY2024 and FY2025 sections for three departments, in assorted states."""
    next_year = factories.make_report(2025)
    sections = {}
    for rep in (report, next_year):
        for dept in (koshitsu, zaisei, planning):
            sections[(rep.fiscal_year, dept.code)] = factories.make_section(dept, rep)
    factories.set_state(sections[(2024, "zaisei")], Section.State.IN_REVIEW)
    factories.set_state(sections[(2024, "kikaku-seisaku")], Section.State.RETURNED)
    return sections


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {s["id"] for s in response.json()["results"]}


def test_the_issue_query_works_as_written(as_user, reviewer, years):
    response = as_user(reviewer).get(
        "/api/v1/sections/?fiscal_year=2024&department=shicho-koshitsu"
    )
    assert ids(response) == {years[(2024, "shicho-koshitsu")].pk}
    row = response.json()["results"][0]
    assert row["fiscal_year"] == 2024
    assert row["department"] == {"code": "shicho-koshitsu", "name": "市長公室"}
    assert row["state"] == "draft" and row["state_label"] == "作成中"


def test_filters_combine(as_user, reviewer, years):
    client = as_user(reviewer)
    assert ids(client.get("/api/v1/sections/?fiscal_year=2025")) == {
        s.pk for (fy, _), s in years.items() if fy == 2025
    }
    assert ids(
        client.get("/api/v1/sections/?department=zaisei,kikaku-seisaku&fiscal_year=2024")
    ) == {
        years[(2024, "zaisei")].pk,
        years[(2024, "kikaku-seisaku")].pk,
    }
    assert ids(client.get("/api/v1/sections/?state=in_review&state=returned")) == {
        years[(2024, "zaisei")].pk,
        years[(2024, "kikaku-seisaku")].pk,
    }
    assert ids(client.get("/api/v1/sections/?q=財政")) == {
        years[(2024, "zaisei")].pk,
        years[(2025, "zaisei")].pk,
    }
    assert ids(client.get("/api/v1/sections/?department=no-such-code")) == set()


def test_date_range_filters(as_user, reviewer, years):
    old = years[(2024, "zaisei")]
    Section.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=30))
    today = timezone.localdate().isoformat()
    client = as_user(reviewer)
    recent = ids(client.get(f"/api/v1/sections/?updated_from={today}"))
    assert old.pk not in recent and len(recent) == len(years) - 1
    assert ids(client.get(f"/api/v1/sections/?updated_to={today}&state=in_review")) == {old.pk}


def test_filters_never_widen_what_a_role_sees(as_user, editor, years):
    response = as_user(editor).get("/api/v1/sections/?department=zaisei")
    assert ids(response) == set()


@pytest.mark.parametrize(
    "query,param",
    [
        ("fiscal_year=abc", "fiscal_year"),
        ("fiscal_year=99999", "fiscal_year"),
        ("state=finished", "state"),
        ("updated_from=2024-13-40", "updated_from"),
    ],
)
def test_unreadable_filters_are_400_naming_the_parameter(as_user, reviewer, years, query, param):
    body = assert_error(as_user(reviewer).get(f"/api/v1/sections/?{query}"), 400, "invalid")
    assert param in body["details"]


def test_ordering_and_page_size(as_user, reviewer, years):
    client = as_user(reviewer)
    body = client.get(
        "/api/v1/sections/?ordering=report__fiscal_year,-department__display_order&page_size=2"
    ).json()
    assert body["count"] == len(years)
    assert [(r["fiscal_year"], r["department"]["code"]) for r in body["results"]] == [
        (2024, "zaisei"),
        (2024, "shicho-koshitsu"),
    ]
    assert body["next"] and "page=2" in body["next"]


def test_detail_numbers_the_tree_and_computes_the_blocks(as_user, editor, section):
    top = factories.make_item(section, "総務")
    factories.make_block(top, "text", {"paragraphs": ["事務の概要。"]})
    child = factories.make_item(section, "会議", parent=top)
    factories.make_block(
        child,
        "counts",
        {"entries": [{"label": "協議会", "value": 2, "unit": "回"}], "style": "numbered"},
    )
    factories.make_block(
        child,
        "table",
        {
            "caption": "市長提出案件数",
            "columns": [
                {"key": "name", "label": "会議名", "type": "text"},
                {"key": "gian", "label": "議案", "type": "integer"},
            ],
            "rows": [{"name": "定例会", "gian": 12}, {"name": "臨時会", "gian": 3}],
            "summary": [{"op": "sum", "label": "合計"}],
        },
    )
    factories.make_item(section, "広報")
    response = as_user(editor).get(f"/api/v1/sections/{section.pk}/")
    assert response.status_code == 200
    assert response["ETag"] == f'"v{section.version}"'
    items = response.json()["items"]
    assert [(i["number"], i["heading"], i["depth"]) for i in items] == [
        ("１", "総務", 1),
        ("２", "広報", 1),
    ]
    sub = items[0]["children"][0]
    assert (sub["number"], sub["depth"], sub["id"]) == ("（１）", 2, child.pk)
    counts, table = sub["blocks"]
    assert counts["view"]["entries"][0]["mark"] == "ア"
    assert counts["view"]["entries"][0]["count"] == "２回"
    total_row = table["tables"][0]["rows"][-1]
    assert total_row["kind"] == "total"
    assert [c["display"] for c in total_row["cells"]] == ["合計", "15"]
    assert table["tables"][0]["caption"] == "市長提出案件数"
    assert items[0]["blocks"][0]["data"]["paragraphs"] == ["事務の概要。"]


def test_section_list_rows_carry_no_tree(as_user, editor, section):
    row = as_user(editor).get("/api/v1/sections/").json()["results"][0]
    assert "items" not in row and "allowed_actions" not in row
