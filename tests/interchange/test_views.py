"""Import and export in the staff UI: validate and preview first, write only on confirmation."""

import copy
import json
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from reports.models import AnnualReport, Item, Section

DEMO = Path(__file__).resolve().parents[2] / "demo" / "fy2024.json"


def upload(client, document, **options):
    body = (
        document
        if isinstance(document, bytes)
        else json.dumps(document, ensure_ascii=False).encode()
    )
    data = {"file": SimpleUploadedFile("fy.json", body, content_type="application/json")}
    data.update({k: "on" for k, v in options.items() if v is True})
    data.update({k: v for k, v in options.items() if isinstance(v, str)})
    return client.post("/staff/import/", data)


def test_preview_shows_the_changes_and_writes_nothing_until_confirmed(client, admin_user):
    client.force_login(admin_user)
    document = json.loads(DEMO.read_text(encoding="utf-8"))
    response = upload(client, document)
    html = response.content.decode()
    assert response.status_code == 200
    assert "誤りはありません" in html and "企画政策課" in html and "新規" in html
    assert not AnnualReport.objects.filter(fiscal_year=2024).exists()
    token = response.context["token"]
    response = client.post("/staff/import/confirm/", {"token": token})
    assert response.status_code == 302 and response["Location"] == "/staff/reports/2024/"
    assert Section.objects.filter(report__fiscal_year=2024).count() == 3
    assert Item.objects.filter(section__report__fiscal_year=2024).exists()
    # The same token cannot import twice.
    response = client.post("/staff/import/confirm/", {"token": token}, follow=True)
    assert "有効期限" in response.content.decode()


def test_every_error_is_listed_with_its_place_and_nothing_is_written(client, admin_user):
    client.force_login(admin_user)
    document = json.loads(DEMO.read_text(encoding="utf-8"))
    broken = copy.deepcopy(document)
    broken["sections"][0]["items"][0]["heading"] = 5
    broken["fiscal_year"] = "2024"
    response = upload(client, broken)
    html = response.content.decode()
    assert response.status_code == 400
    assert "/fiscal_year" in html and "/sections/0/items/0/heading" in html
    assert not AnnualReport.objects.exists()


def test_not_json_and_too_large_are_refused_in_japanese(client, admin_user, settings):
    client.force_login(admin_user)
    response = upload(client, b"\x89PNG not json")
    assert response.status_code == 400 and "JSON として読めません" in response.content.decode()
    from reports import views_interchange

    original = views_interchange.MAX_IMPORT_BYTES
    views_interchange.MAX_IMPORT_BYTES = 10
    try:
        response = upload(client, {"format": "x"})
        assert response.status_code == 400 and "大きすぎます" in response.content.decode()
    finally:
        views_interchange.MAX_IMPORT_BYTES = original


def test_only_administrators_see_the_import_page(client, editor, reviewer):
    for user in (editor, reviewer):
        client.force_login(user)
        assert client.get("/staff/import/").status_code == 404


def test_export_download_for_reviewers_not_for_department_editors(
    client, admin_user, reviewer, editor
):
    from reports.services.interchange import import_report

    import_report(json.loads(DEMO.read_text(encoding="utf-8")), user=admin_user)
    client.force_login(reviewer)
    response = client.get("/staff/reports/2024/export.json")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="jimuhokoku-2024.json"'
    assert response.content.decode() == DEMO.read_text(encoding="utf-8")
    client.force_login(editor)
    assert client.get("/staff/reports/2024/export.json").status_code == 403
