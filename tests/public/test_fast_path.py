"""The current edition's files are served from the publication pointer: no database query."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from reports import public_files
from reports.models import Build
from reports.services import assembly
from tests.assembly import sample
from tests.assembly.fixtures import run_assembly

pytestmark = pytest.mark.django_db

PAGES = {
    "/reports/2024/": "index.html",
    "/reports/2024/all/": "all.html",
    "/reports/2024/zaisei/": "departments/zaisei.html",
    "/reports/2024/report.pdf": "report.pdf",
    "/reports/2024/data.zip": "data.zip",
    "/reports/2024/data/index.json": "data/index.json",
    "/reports/2024/data/zaisei-01.csv": "data/zaisei-01.csv",
}


def _content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def published(planning_head, media_root, django_capture_on_commit_callbacks):
    report = sample.make_approved_report(items=6, tables=4, reviewer=planning_head)
    with django_capture_on_commit_callbacks(execute=True):
        build = run_assembly(report, planning_head)
    build.refresh_from_db()
    assert build.published_at is not None
    return build


def test_publication_writes_the_pointer_of_its_fiscal_year(published):
    pointer = json.loads(public_files.pointer_path(2024).read_text(encoding="utf-8"))
    assert pointer["build"] == published.pk and pointer["edition"] == published.edition
    assert set(pointer["files"]) == {n for n in published.manifest if not n.startswith("_work/")}
    assert pointer["files"]["index.html"][0] == published.manifest["index.html"]["sha256"]


def test_every_public_file_is_served_without_a_query(client, published, django_assert_num_queries):
    for url, name in PAGES.items():
        with django_assert_num_queries(0):
            response = client.get(url)
            body = _content(response)
        assert response.status_code == 200, url
        entry = published.manifest[name]
        assert body == (assembly.build_dir(published) / name).read_bytes()
        assert response["Content-Type"] == entry["content_type"]
        assert response["ETag"] == f'"{entry["sha256"]}"'
        assert "public" in response["Cache-Control"] and "max-age=3600" in response["Cache-Control"]
        assert response["X-Frame-Options"] == "DENY"
        assert "default-src" in response["Content-Security-Policy"]
    assert "Content-Disposition" not in client.get("/reports/2024/")
    assert (
        client.get("/reports/2024/data/zaisei-01.csv")["Content-Disposition"]
        == 'attachment; filename="jimuhokoku-2024-zaisei-01.csv"'
    )


def test_the_fast_path_answers_like_the_views(client, published, settings):
    fast = {url: client.get(url) for url in PAGES}
    settings.PUBLIC_FAST_PATH = False
    from django.test import Client

    slow_client = Client()
    for url, response in fast.items():
        slow = slow_client.get(url)
        assert slow.status_code == response.status_code == 200
        assert _content(slow) == _content(response)
        for header in ("Content-Type", "ETag", "Last-Modified", "Cache-Control"):
            assert slow[header] == response[header], (url, header)
        assert slow.get("Content-Disposition") == response.get("Content-Disposition"), url


def test_conditional_requests_get_304_without_a_query(client, published, django_assert_num_queries):
    first = client.get("/reports/2024/report.pdf")
    with django_assert_num_queries(0):
        again = client.get("/reports/2024/report.pdf", HTTP_IF_NONE_MATCH=first["ETag"])
        since = client.get("/reports/2024/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == first["ETag"]
    assert since.status_code == 304
    assert client.get("/reports/2024/report.pdf", HTTP_IF_NONE_MATCH='"x"').status_code == 200


def test_a_file_changed_on_disk_is_never_served(client, published):
    path = assembly.build_dir(published) / "departments/zaisei.html"
    assert client.get("/reports/2024/zaisei/").status_code == 200
    original = path.read_bytes()
    path.write_bytes(original.replace("財政課".encode(), "改ざん".encode()))
    response = client.get("/reports/2024/zaisei/")
    assert response.status_code == 503
    assert "改ざん".encode() not in _content(response)
    assert "一致しない" in response.content.decode()
    path.write_bytes(original)
    assert _content(client.get("/reports/2024/zaisei/")) == original


def test_a_new_edition_moves_the_pointer(client, published, planning_head):
    before = client.get("/reports/2024/")["ETag"]
    public_files.write_pointer(published)  # rewriting the same edition changes nothing
    assert client.get("/reports/2024/")["ETag"] == before
    path = public_files.pointer_path(2024)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["files"]["index.html"][0] = "0" * 64
    path.write_text(json.dumps(data), encoding="utf-8")
    # The process notices the new pointer at once (and here refuses the mismatching file).
    assert client.get("/reports/2024/").status_code == 503


def test_without_a_pointer_the_views_answer_from_the_database(
    client, published, django_assert_num_queries
):
    public_files.pointer_path(2024).unlink()
    with django_assert_num_queries(1):
        response = client.get("/reports/2024/")
    assert response.status_code == 200
    call_command("public_pointers", stdout=open("/dev/null", "w"))
    assert public_files.pointer_path(2024).exists()
    with django_assert_num_queries(0):
        assert client.get("/reports/2024/").status_code == 200


def test_unknown_names_and_other_methods_fall_through(client, published):
    assert client.get("/reports/2024/nonexistent/").status_code == 404
    assert client.get("/reports/2024/data/nonexistent.csv").status_code == 404
    assert client.get("/reports/2024/editions/").status_code == 200  # the view's page
    assert client.post("/reports/2024/").status_code in (403, 405)


def test_a_rolled_back_publication_writes_no_pointer(
    planning_head, media_root, django_capture_on_commit_callbacks
):
    from django.db import transaction

    report = sample.make_approved_report(items=2, tables=1, reviewer=planning_head)

    class Boom(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Boom), transaction.atomic():
            run_assembly(report, planning_head)
            raise Boom
    assert callbacks == []
    assert not public_files.pointer_path(2024).exists()
    assert not Build.objects.filter(published_at__isnull=False).exists()


def test_only_a_published_build_can_be_pointed_at(planning_head, media_root):
    build = Build(report=sample.make_approved_report(items=1, tables=1, reviewer=planning_head))
    with pytest.raises(ValueError):
        public_files.write_pointer(build)
