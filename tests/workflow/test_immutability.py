"""Events and snapshots are append-only: no model, queryset, SQL or admin path changes them."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from reports.models import ReportEvent, SectionEvent, SectionSnapshot
from reports.services import workflow
from tests.workflow.helpers import advance


@pytest.fixture
def event(filled, people, planning_head):
    advance(filled, "approved", **people)
    workflow.report_approve(report=filled.report, user=planning_head)
    return SectionEvent.objects.get(action="approve")


def test_an_event_cannot_be_saved_again_or_deleted(event):
    event.comment = "後から書き換え"
    with pytest.raises(RuntimeError, match="変更できません"):
        event.save()
    with pytest.raises(RuntimeError, match="削除できません"):
        event.delete()
    event.refresh_from_db()
    assert event.comment == ""


@pytest.mark.parametrize("model", [SectionEvent, SectionSnapshot, ReportEvent])
def test_bulk_paths_are_refused(event, model):
    before = model.objects.count()
    with pytest.raises(RuntimeError):
        model.objects.all().update(created_at=None)
    with pytest.raises(RuntimeError):
        model.objects.all().delete()
    with pytest.raises(RuntimeError):
        model.objects.bulk_update(list(model.objects.all()), ["created_at"])
    assert model.objects.count() == before


@pytest.mark.parametrize(
    "table", ["reports_sectionevent", "reports_sectionsnapshot", "reports_reportevent"]
)
def test_the_database_refuses_an_update_in_raw_sql(event, table):
    with pytest.raises((IntegrityError, DatabaseError)):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET created_at = created_at")  # noqa: S608


def test_the_section_cannot_be_deleted_from_under_its_events(event):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        event.section.delete()


def test_the_admin_shows_events_but_offers_no_change_or_delete(event, admin_user, client):
    client.force_login(admin_user)
    changelist = client.get("/admin/reports/sectionevent/")
    assert changelist.status_code == 200
    assert 'name="action"' not in changelist.content.decode()  # no bulk delete action
    change_url = f"/admin/reports/sectionevent/{event.pk}/change/"
    assert client.get(change_url).status_code == 200  # view only
    assert client.post(change_url, {"comment": "改ざん"}).status_code == 403
    assert (
        client.post(f"/admin/reports/sectionevent/{event.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert client.get("/admin/reports/sectionevent/add/").status_code == 403
    assert client.post("/admin/reports/reportevent/1/delete/", {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.comment == ""


def test_the_database_refuses_a_delete_in_raw_sql_where_it_can(event):
    """PostgreSQL refuses DELETE as well (its test flush uses TRUNCATE, which triggers do not
    see); SQLite's test flush deletes rows, so there only the ORM refuses."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM reports_sectionevent"  # a baseline both vendors answer
        )
        before = cursor.fetchone()[0]
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("DELETE FROM reports_sectionevent")
    assert SectionEvent.objects.count() == before
    with pytest.raises(RuntimeError):
        event.delete()
