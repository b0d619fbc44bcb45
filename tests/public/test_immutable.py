"""Published editions are immutable (issue 19, proof 8): through the ORM, the database, the
admin, the API and the file system. Whatever is tried, the published record stays as it was
and the public site never serves bytes that differ from it."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from rest_framework.test import APIClient

from reports import public_files
from reports.models import Build
from reports.services import assembly
from tests.assembly import sample
from tests.assembly.fixtures import run_assembly

pytestmark = pytest.mark.django_db


def _content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def published(planning_head, media_root, django_capture_on_commit_callbacks):
    report = sample.make_approved_report(items=4, tables=2, reviewer=planning_head)
    with django_capture_on_commit_callbacks(execute=True):
        build = run_assembly(report, planning_head)
    build.refresh_from_db()
    assert build.published_at is not None and build.edition == 1
    return build


def _record(build: Build) -> dict:
    return Build.objects.filter(pk=build.pk).values().get()


def test_the_orm_refuses_to_change_or_delete_a_published_build(published):
    before = _record(published)
    published.manifest = {}
    with pytest.raises(RuntimeError, match="公開済み"):
        published.save()
    with pytest.raises(RuntimeError, match="公開済み"):
        Build.objects.get(pk=published.pk).delete()
    with pytest.raises(RuntimeError, match="公開済み"):
        Build.objects.filter(report=published.report).delete()
    assert _record(published) == before


@pytest.mark.parametrize(
    "change",
    [
        {"manifest": {}},
        {"published_at": None},
        {"edition": 7},
        {"status": Build.Status.FAILED},
        {"input_checksum": "0" * 64},
    ],
    ids=lambda change: next(iter(change)),
)
def test_the_database_refuses_an_update_that_bypasses_the_model(published, change):
    before = _record(published)
    with pytest.raises(DatabaseError, match="immutable"):
        with transaction.atomic():
            Build.objects.filter(pk=published.pk).update(**change)
    assert _record(published) == before


def test_the_database_refuses_raw_sql(published):
    before = _record(published)
    with pytest.raises(DatabaseError, match="immutable"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE reports_build SET manifest = '{}' WHERE id = %s", [published.pk])
    if connection.vendor == "postgresql":  # SQLite test databases are emptied with DELETE
        with pytest.raises(DatabaseError, match="immutable"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("DELETE FROM reports_build WHERE id = %s", [published.pk])
    assert _record(published) == before


def test_bookkeeping_of_a_published_build_stays_writable(published):
    """A deleted requester is set to NULL (on_delete=SET_NULL); nothing published changes."""
    assert Build.objects.filter(pk=published.pk).update(requested_by=None) == 1


def test_the_admin_shows_builds_read_only(client, admin_user, published):
    client.force_login(admin_user)
    before = _record(published)
    assert client.get("/admin/reports/build/").status_code == 200
    page = client.get(f"/admin/reports/build/{published.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    refused = client.post(f"/admin/reports/build/{published.pk}/change/", {"status": "failed"})
    assert refused.status_code == 403
    assert client.get(f"/admin/reports/build/{published.pk}/delete/").status_code == 403
    assert (
        client.post(f"/admin/reports/build/{published.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    action = client.post(
        "/admin/reports/build/",
        {"action": "delete_selected", "_selected_action": [published.pk], "post": "yes"},
    )
    assert action.status_code in (200, 302, 403)
    assert _record(published) == before


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_the_api_refuses_to_change_a_published_build(published, planning_head, admin_user, method):
    before = _record(published)
    for user in (planning_head, admin_user):
        api = APIClient()
        api.force_authenticate(user)
        response = getattr(api, method)(
            f"/api/v1/builds/{published.pk}/",
            {"status": "failed"},
            format="json",
            HTTP_IF_MATCH="*",
        )
        assert response.status_code == 405, (user, response.content)
    anon = APIClient()
    for path in ("/api/v1/public/reports/2024/", "/api/v1/public/reports/"):
        response = getattr(anon, method)(path, {}, format="json")
        assert response.status_code in (403, 405), (path, response.status_code)
    assert _record(published) == before


@pytest.mark.parametrize("route", ["fast path", "views", "earlier edition"])
def test_a_published_file_changed_on_disk_is_never_served(client, published, route):
    if route == "fast path":
        url, name = "/reports/2024/report.pdf", "report.pdf"
    elif route == "views":
        public_files.pointer_path(2024).unlink()  # no pointer: the views answer from the database
        url, name = "/reports/2024/zaisei/", "departments/zaisei.html"
    else:
        url, name = "/reports/2024/editions/1/report.pdf", "report.pdf"
    path = assembly.build_dir(published) / name
    original = path.read_bytes()
    assert _content(client.get(url)) == original
    tampered = (
        original.replace(b"%PDF", b"%PDF TAMPERED")
        if name.endswith(".pdf")
        else (original.replace("財政課".encode(), "改ざん".encode()))
    )
    assert tampered != original
    path.write_bytes(tampered)
    response = client.get(url)
    assert response.status_code == 503
    body = _content(response)
    assert b"TAMPERED" not in body and "改ざん".encode() not in body
    assert "一致しない" in body.decode()
    # Put back as published, it is served again.
    path.write_bytes(original)
    assert _content(client.get(url)) == original
