"""Imports never delete what the file does not carry; deletions need an option and a second
confirmation; every import keeps the state before it, and `--restore` puts that state back."""

import copy
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from akiruno.exceptions import Conflict
from finance.models import Account
from meetings.models import MeetingBody, MeetingSession
from reports.models import ImportRecord, Section
from reports.services.interchange import (
    canonical_json,
    export_report,
    import_report,
    restore_import,
)

DEMO = Path(__file__).resolve().parents[2] / "demo" / "fy2024.json"


@pytest.fixture
def demo_document():
    return json.loads(DEMO.read_text(encoding="utf-8"))


@pytest.fixture
def imported(admin_user, demo_document):
    import_report(copy.deepcopy(demo_document), user=admin_user)
    return export_report(fiscal_year=2024)


def _body(document: dict, key: str) -> dict:
    return next(b for b in document["meetings"]["bodies"] if b["key"] == key)


def _section(document: dict, code: str) -> dict:
    return next(s for s in document["sections"] if s["department"] == code)


def test_a_file_without_finance_leaves_the_finance_records_untouched(
    admin_user, demo_document, imported
):
    document = copy.deepcopy(demo_document)
    del document["finance"]
    _section(document, "zaisei")["items"][0]["heading"] = "見出しを変えた"
    import_report(document, user=admin_user, replace=True)
    expected = copy.deepcopy(imported)
    _section(expected, "zaisei")["items"][0]["heading"] = "見出しを変えた"
    assert export_report(fiscal_year=2024) == expected
    assert Account.objects.filter(fiscal_year=2024).count() == 7


def test_a_department_filtered_import_leaves_other_departments_untouched(
    admin_user, demo_document, imported
):
    document = copy.deepcopy(demo_document)
    for section in document["sections"]:
        section["items"][0]["heading"] = "どの課も変えた"
    for body in document["meetings"]["bodies"]:
        body["purpose"] = "どの会議体も変えた"
        body["sessions"] = []
        body["manual_counts"] = []
    document["finance"] = {"accounts": [], "comparisons": [], "bonds": None}
    import_report(document, user=admin_user, department="shicho-koshitsu")
    expected = copy.deepcopy(imported)
    _section(expected, "shicho-koshitsu")["items"][0]["heading"] = "どの課も変えた"
    for body in expected["meetings"]["bodies"]:
        if body["department"] == "shicho-koshitsu":
            body["purpose"] = "どの会議体も変えた"  # sessions and counts not in the file stay
    assert export_report(fiscal_year=2024) == expected


def test_zaisei_filtered_import_without_finance_keeps_the_finance(
    admin_user, demo_document, imported
):
    document = copy.deepcopy(demo_document)
    document.pop("finance")
    import_report(document, user=admin_user, department="zaisei")
    assert export_report(fiscal_year=2024) == imported


def test_sessions_and_records_missing_from_the_file_are_kept(admin_user, demo_document, imported):
    document = copy.deepcopy(demo_document)
    town = _body(document, "town-meeting")
    dropped = town["sessions"].pop(0)
    document["finance"]["accounts"] = document["finance"]["accounts"][:2]
    document["finance"]["comparisons"] = []
    result = import_report(document, user=admin_user, replace=True)
    assert export_report(fiscal_year=2024) == imported
    assert not result.deleted
    assert MeetingSession.objects.filter(body__key="town-meeting", start=dropped["start"]).exists()


def test_delete_missing_needs_the_second_confirmation(admin_user, demo_document, imported):
    document = copy.deepcopy(demo_document)
    _body(document, "town-meeting")["sessions"].pop(0)
    document["finance"]["accounts"] = document["finance"]["accounts"][:2]
    with pytest.raises(Conflict) as refused:
        import_report(document, user=admin_user, replace=True, delete_missing=True)
    assert "削除" in refused.value.message and "確認" in refused.value.message
    assert export_report(fiscal_year=2024) == imported
    assert ImportRecord.objects.count() == 1  # only the first import


def test_delete_missing_with_confirmation_deletes_exactly_what_the_file_lacks(
    admin_user, demo_document, imported
):
    document = copy.deepcopy(demo_document)
    _body(document, "town-meeting")["sessions"].pop(0)
    dropped_accounts = [a["key"] for a in document["finance"]["accounts"][2:]]
    document["finance"]["accounts"] = document["finance"]["accounts"][:2]
    result = import_report(
        document, user=admin_user, replace=True, delete_missing=True, confirm_delete=True
    )
    expected = copy.deepcopy(imported)
    _body(expected, "town-meeting")["sessions"].pop(0)
    expected["finance"]["accounts"] = expected["finance"]["accounts"][:2]
    assert export_report(fiscal_year=2024) == expected
    deleted = {(c.kind, c.key) for c in result.deleted}
    assert {k for kind, k in deleted if kind == "account"} == set(dropped_accounts)
    assert len([1 for kind, _ in deleted if kind == "session"]) == 1
    assert len(deleted) == len(dropped_accounts) + 1


def test_delete_missing_honours_the_department_filter(admin_user, demo_document, imported):
    document = copy.deepcopy(demo_document)
    for body in document["meetings"]["bodies"]:
        body["sessions"] = []
        body["manual_counts"] = []
    result = import_report(
        document,
        user=admin_user,
        department="shicho-koshitsu",
        delete_missing=True,
        confirm_delete=True,
    )
    expected = copy.deepcopy(imported)
    for body in expected["meetings"]["bodies"]:
        if body["department"] == "shicho-koshitsu":
            body["manual_counts"] = []
    assert export_report(fiscal_year=2024) == expected
    assert result.deleted and {c.department for c in result.deleted} == {"shicho-koshitsu"}


def test_dry_run_lists_every_change_and_writes_nothing(admin_user, demo_document, imported):
    document = copy.deepcopy(demo_document)
    _section(document, "shicho-koshitsu")["items"][0]["heading"] = "変えた"
    _section(document, "kikaku-seisaku")["items"][0]["heading"] = "変えた"
    _body(document, "town-meeting")["sessions"].pop(0)
    document["finance"]["accounts"][0]["name"] = "名前を変えた会計"
    result = import_report(
        document, user=admin_user, replace=True, dry_run=True, delete_missing=True
    )
    assert export_report(fiscal_year=2024) == imported
    by_action = {
        a: {(c.kind, c.key) for c in result.changes if c.action == a}
        for a in ("create", "replace", "delete")
    }
    assert ("section", "shicho-koshitsu") in by_action["replace"]
    assert ("section", "kikaku-seisaku") in by_action["replace"]
    assert ("section", "zaisei") not in by_action["replace"]  # unchanged
    assert ("account", document["finance"]["accounts"][0]["key"]) in by_action["replace"]
    assert [k for kind, k in by_action["delete"]] and all(
        kind == "session" for kind, _ in by_action["delete"]
    )
    assert "削除 1" in result.summary()
    filtered = import_report(
        document, user=admin_user, department="shicho-koshitsu", dry_run=True, delete_missing=True
    )
    assert {c.department for c in filtered.changes} == {"shicho-koshitsu"}
    assert [(c.kind, c.key) for c in filtered.changes if c.action == "replace"] == [
        ("section", "shicho-koshitsu")
    ]


def test_every_import_is_recorded_with_the_state_before_it(admin_user, demo_document, imported):
    first = ImportRecord.objects.get()
    assert first.before is None and first.actor == admin_user
    assert first.summary["created"] > 0 and len(first.checksum) == 64
    document = copy.deepcopy(demo_document)
    _section(document, "shicho-koshitsu")["items"][0]["heading"] = "変えた"
    import_report(document, user=admin_user, replace=True)
    second = ImportRecord.objects.latest("pk")
    assert canonical_json(second.before) == canonical_json(imported)
    assert second.summary == {"created": 0, "replaced": 1, "deleted": 0}
    assert second.options["replace"] is True


def test_restore_gives_back_the_byte_identical_export(admin_user, demo_document, imported):
    document = copy.deepcopy(demo_document)
    _section(document, "shicho-koshitsu")["items"][0]["heading"] = "変えた"
    _section(document, "zaisei")["items"].pop()
    _body(document, "town-meeting")["sessions"].pop(0)
    _body(document, "town-meeting")["sessions"][0]["venue"] = "別の会場"
    document["finance"]["accounts"] = document["finance"]["accounts"][:3]
    document["finance"]["accounts"][0]["name"] = "名前を変えた会計"
    document["sections"].append(
        {"department": "new-ka", "items": [{"heading": "新しい課", "blocks": [], "children": []}]}
    )
    document["departments"].append({"code": "new-ka", "name": "新しい課", "kind": "ka"})
    import_report(document, user=admin_user, replace=True, delete_missing=True, confirm_delete=True)
    assert export_report(fiscal_year=2024) != imported
    record = ImportRecord.objects.latest("pk")
    restore_import(record.pk, user=admin_user)
    assert canonical_json(export_report(fiscal_year=2024)) == canonical_json(imported)
    assert not Section.objects.filter(department__code="new-ka").exists()
    restore = ImportRecord.objects.latest("pk")
    assert restore.kind == "restore" and restore.restored_from_id == record.pk


def test_restore_command_and_refusals(admin_user, demo_document, imported, tmp_path):
    document = copy.deepcopy(demo_document)
    _section(document, "shicho-koshitsu")["items"][0]["heading"] = "変えた"
    _body(document, "town-meeting")["sessions"].pop(0)
    source = tmp_path / "in.json"
    source.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError, match="--confirm-delete"):
        call_command("import_report", str(source), "--replace", "--delete-missing")
    assert export_report(fiscal_year=2024) == imported
    out = io.StringIO()
    call_command(
        "import_report", str(source), "--replace", "--delete-missing", "--dry-run", stdout=out
    )
    assert "削除" in out.getvalue() and "タウンミーティング" in out.getvalue()
    call_command("import_report", str(source), "--replace", "--delete-missing", "--confirm-delete")
    record = ImportRecord.objects.latest("pk")
    assert record.source == "command" and record.filename == "in.json"
    assert record.summary == {"created": 0, "replaced": 1, "deleted": 1}
    call_command("import_report", "--restore", str(record.pk))
    assert canonical_json(export_report(fiscal_year=2024)) == canonical_json(imported)
    with pytest.raises(CommandError, match="取込みの記録 999999 はありません"):
        call_command("import_report", "--restore", "999999")
    with pytest.raises(CommandError, match="ファイル"):
        call_command("import_report")


def test_bodies_created_only_by_the_file_are_listed_as_created(admin_user, demo_document, imported):
    document = copy.deepcopy(demo_document)
    new = copy.deepcopy(_body(document, "town-meeting"))
    new.update(key="new-body", name="新しい会議体")
    document["meetings"]["bodies"].append(new)
    result = import_report(document, user=admin_user, replace=True, dry_run=True)
    created = [(c.kind, c.key) for c in result.changes if c.action == "create"]
    assert ("body", "new-body") in created
    assert len([1 for kind, _ in created if kind == "session"]) == len(new["sessions"])
    assert not MeetingBody.objects.filter(key="new-body").exists()


def _upload(client, document, **options):
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = json.dumps(document, ensure_ascii=False).encode()
    data = {"file": SimpleUploadedFile("fy.json", body, content_type="application/json")}
    data.update({k: "on" for k, v in options.items() if v is True})
    data.update({k: v for k, v in options.items() if isinstance(v, str)})
    return client.post("/staff/import/", data)


def test_the_upload_page_lists_changes_and_asks_twice_before_deleting(
    client, admin_user, demo_document, imported
):
    client.force_login(admin_user)
    document = copy.deepcopy(demo_document)
    _section(document, "shicho-koshitsu")["items"][0]["heading"] = "変えた"
    _body(document, "town-meeting")["sessions"].pop(0)
    # Without the option the session stays and the page says so.
    response = _upload(client, document, replace=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "市長公室の課別報告" in html and "ファイルにないため、そのまま残す記録" in html
    assert "confirm_delete" not in html
    # With it, the preview lists the deletion and asks for the second confirmation.
    response = _upload(client, document, replace=True, delete_missing=True)
    html = response.content.decode()
    assert "削除を確認しました" in html and "タウンミーティング" in html
    token = response.context["token"]
    response = client.post("/staff/import/confirm/", {"token": token})
    assert response.status_code == 400 and "何も取り込んでいません" in response.content.decode()
    assert export_report(fiscal_year=2024) == imported
    response = client.post("/staff/import/confirm/", {"token": token, "confirm_delete": "on"})
    assert response.status_code == 302
    expected = copy.deepcopy(imported)
    _section(expected, "shicho-koshitsu")["items"][0]["heading"] = "変えた"
    _body(expected, "town-meeting")["sessions"].pop(0)
    assert export_report(fiscal_year=2024) == expected
    record = ImportRecord.objects.latest("pk")
    assert record.source == "upload" and record.filename == "fy.json"
    assert record.summary == {"created": 0, "replaced": 1, "deleted": 1}


def test_the_upload_page_honours_the_department_filter(client, admin_user, demo_document, imported):
    client.force_login(admin_user)
    document = copy.deepcopy(demo_document)
    for section in document["sections"]:
        section["items"][0]["heading"] = "変えた"
    response = _upload(client, document, department="zaisei")
    html = response.content.decode()
    assert "財政課の課別報告" in html and "市長公室の課別報告" not in html
    client.post("/staff/import/confirm/", {"token": response.context["token"]})
    expected = copy.deepcopy(imported)
    _section(expected, "zaisei")["items"][0]["heading"] = "変えた"
    assert export_report(fiscal_year=2024) == expected


def test_the_api_needs_confirm_delete_and_reports_the_changes(admin_user, demo_document, imported):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(admin_user)
    document = copy.deepcopy(demo_document)
    _body(document, "town-meeting")["sessions"].pop(0)
    response = api.post(
        "/api/v1/reports/import/?replace=1&delete_missing=1", document, format="json"
    )
    assert response.status_code == 409, response.content
    assert "削除" in response.json()["message"]
    assert export_report(fiscal_year=2024) == imported
    response = api.post(
        "/api/v1/reports/import/?replace=1&delete_missing=1&confirm_delete=1",
        document,
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["counts"] == {"created": 0, "replaced": 0, "deleted": 1}
    assert [c["kind"] for c in body["changes"]] == ["session"]
    assert ImportRecord.objects.get(pk=body["import_record"]).source == "api"
