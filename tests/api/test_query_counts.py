"""Every list runs a fixed number of SQL queries whatever the page size (10 rows and 300)."""

import pytest
from rest_framework.test import APIClient

from akiruno.models import ApiToken
from reports.models import (
    AnnualReport,
    Block,
    Department,
    Item,
    Section,
    SectionEvent,
    SectionSnapshot,
)
from tests import factories

SIZES = [10, 300]


def grow(n: int, report: AnnualReport, actor) -> None:
    """n departments, each with a section in `report`, an event with its snapshot, a token."""
    departments = Department.objects.bulk_create(
        Department(code=f"dept-{i:04d}", name=f"課{i}", display_order=100 + i) for i in range(n)
    )
    sections = Section.objects.bulk_create(
        Section(report=report, department=d, department_name=d.name) for d in departments
    )
    snapshots = SectionSnapshot.objects.bulk_create(
        SectionSnapshot(section=s, section_version=1, content={}, checksum="x") for s in sections
    )
    SectionEvent.objects.bulk_create(
        SectionEvent(
            section=s,
            action="submit",
            from_state="draft",
            to_state="awaiting_head",
            actor=actor,
            snapshot=snap,
            section_version=1,
        )
        for s, snap in zip(sections, snapshots, strict=True)
    )
    ApiToken.objects.bulk_create(
        ApiToken(user=actor, name=f"t{i}", prefix="akr_x", digest=f"{i:064d}") for i in range(n)
    )
    for fy in range(2000, 2000 + n // 10):
        factories.make_report(fy)


@pytest.fixture
def client(admin_user) -> APIClient:
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(
    "url,max_queries",
    [
        ("/api/v1/sections/?page_size=500", 2),
        ("/api/v1/sections/?page_size=500&fiscal_year=2024&state=draft&q=課", 2),
        ("/api/v1/departments/?page_size=500", 2),
        ("/api/v1/reports/?page_size=500", 3),
        ("/api/v1/events/?page_size=500", 2),
        ("/api/v1/snapshots/?page_size=500", 2),
        ("/api/v1/auth/tokens/?page_size=500", 2),
    ],
)
def test_lists_run_a_fixed_number_of_queries(
    client, admin_user, report, django_assert_max_num_queries, n, url, max_queries
):
    grow(n, report, admin_user)
    with django_assert_max_num_queries(max_queries):
        response = client.get(url)
    assert response.status_code == 200
    assert response.json()["count"] >= n // 10


@pytest.mark.parametrize("n", SIZES)
def test_an_editor_s_list_is_fixed_too(editor, report, django_assert_max_num_queries, n, koshitsu):
    grow(n, report, editor)
    factories.make_section(koshitsu, report)
    client = APIClient()
    client.force_authenticate(editor)
    with django_assert_max_num_queries(2):
        body = client.get("/api/v1/sections/?page_size=500").json()
    assert body["count"] == 1
    with django_assert_max_num_queries(3):
        assert client.get("/api/v1/reports/").status_code == 200


@pytest.mark.parametrize("n", [5, 200])
def test_a_sections_tree_is_read_in_a_fixed_number_of_queries(
    client, section, django_assert_max_num_queries, n
):
    items = Item.objects.bulk_create(
        Item(section=section, heading=f"見出し{i}", position=i) for i in range(n)
    )
    Block.objects.bulk_create(
        Block(item=item, kind="text", data={"paragraphs": ["本文"]}, position=0) for item in items
    )
    with django_assert_max_num_queries(3):
        response = client.get(f"/api/v1/sections/{section.pk}/")
    assert len(response.json()["items"]) == n


def test_token_authentication_costs_one_query(as_user, editor, django_assert_max_num_queries):
    client = as_user(editor)
    client.get("/api/v1/users/me/")  # records the first use
    with django_assert_max_num_queries(1):
        assert client.get("/api/v1/users/me/").status_code == 200


def grow_content(n: int, report: AnnualReport, actor) -> None:
    """n items with a block each, n return comments and n builds."""
    from reports.models import Build, ReviewComment

    grow(1, report, actor)
    section = Section.objects.filter(report=report).first()
    items = Item.objects.bulk_create(
        Item(section=section, heading=f"見出し{i}", position=i, updated_by=actor) for i in range(n)
    )
    Block.objects.bulk_create(
        Block(item=item, kind="text", data={"paragraphs": ["本文"]}, position=0) for item in items
    )
    event = SectionEvent.objects.filter(section=section).first()
    ReviewComment.objects.bulk_create(
        ReviewComment(section=section, event=event, author=actor, body=f"コメント{i}")
        for i in range(n)
    )
    Build.objects.bulk_create(
        Build(
            report=report, kind=Build.Kind.RELEASE, status=Build.Status.FAILED, requested_by=actor
        )
        for _ in range(n)
    )


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(
    "url,max_queries",
    [
        ("/api/v1/items/?page_size=500", 3),  # + one prefetch of the blocks
        ("/api/v1/items/?page_size=500&fiscal_year=2024&q=見出し", 3),
        ("/api/v1/blocks/?page_size=500&kind=text", 2),
        ("/api/v1/comments/?page_size=500", 2),
        ("/api/v1/builds/?page_size=500&fiscal_year=2024", 2),
    ],
)
def test_content_and_workflow_lists_run_a_fixed_number_of_queries(
    client, admin_user, report, django_assert_max_num_queries, n, url, max_queries
):
    grow_content(n, report, admin_user)
    with django_assert_max_num_queries(max_queries):
        response = client.get(url)
    assert response.status_code == 200
    assert response.json()["count"] == n
