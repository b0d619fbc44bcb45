"""The finance API uses the same services: same checks, same errors, as JSON."""

import pytest
from rest_framework.test import APIClient

from finance import selectors
from finance.interchange import export_finance
from finance.models import Account, Grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(finance_editor):
    client = APIClient()
    client.force_authenticate(finance_editor)
    return client


def _kokuho() -> Account:
    return Account.objects.get(fiscal_year=2024, key="kokuho")


def test_get_a_record_with_its_version_computed_tables_and_problems(api, fy2024):
    body = api.get(f"/api/v1/finance/accounts/{_kokuho().pk}/").json()
    assert body["version"] == 1 and body["data"]["key"] == "kokuho"
    totals = [row for row in body["tables"][0] if row[2] == "合計"]
    assert [row[10] for row in totals] == ["8479247", "8479247"]
    assert body["problems"] == []


def test_put_saves_and_a_stale_or_bad_put_changes_nothing(api, fy2024):
    url = f"/api/v1/finance/accounts/{_kokuho().pk}/"
    data = api.get(url).json()["data"]
    data["parts"][0]["lines"][6]["settlement"] = "１１，６９２"
    response = api.put(url, {"version": 1, "data": data}, format="json")
    assert response.status_code == 200 and response.json()["version"] == 2
    before = export_finance(fiscal_year=2024)
    assert api.put(url, {"version": 1, "data": data}, format="json").status_code == 409
    data["parts"][1]["lines"][0]["initial"] = 1.5
    response = api.put(url, {"version": 2, "data": data}, format="json")
    assert response.status_code == 400
    assert "/parts/1/lines/0/initial" in response.json()["details"]
    assert export_finance(fiscal_year=2024) == before


def test_create_and_delete(api, fy2024):
    raw = {
        "key": "digiden",
        "name": "デジタル交付金",
        "received": 10,
        "projects": [{"name": "x", "amount": 10}],
    }
    response = api.post("/api/v1/finance/2024/grants/", {"data": raw}, format="json")
    assert response.status_code == 201
    pk = response.json()["id"]
    url = f"/api/v1/finance/grants/{pk}/"
    missing = api.delete(url)
    assert missing.status_code == 400 and "version" in missing.json()["details"]
    assert api.delete(f"{url}?version=x").status_code == 400
    assert api.delete(f"{url}?version=7").status_code == 409
    assert Grant.objects.filter(pk=pk).exists()
    assert api.delete(f"{url}?version=1").status_code == 204
    assert not Grant.objects.filter(pk=pk).exists()


def test_delete_still_takes_the_version_in_a_json_body(api, fy2024):
    raw = {"key": "x", "name": "交付金", "received": 1, "projects": [{"name": "x", "amount": 1}]}
    pk = api.post("/api/v1/finance/2024/grants/", {"data": raw}, format="json").json()["id"]
    url = f"/api/v1/finance/grants/{pk}/"
    assert api.delete(url, {"version": 1}, format="json").status_code == 204
    assert not Grant.objects.filter(pk=pk).exists()


def test_other_departments_get_404_and_only_admins_import_a_year(
    fy2024, editor, admin_user, finance_editor
):
    client = APIClient()
    client.force_authenticate(editor)
    assert client.get(f"/api/v1/finance/accounts/{_kokuho().pk}/").status_code == 404
    assert client.get("/api/v1/finance/2024/").status_code == 404
    client.force_authenticate(finance_editor)
    year = client.get("/api/v1/finance/2024/").json()
    assert len(year["records"]) == 7 + 2 + 1 + 2 + 1
    assert client.put("/api/v1/finance/2024/", {}, format="json").status_code == 403
    client.force_authenticate(admin_user)
    finance = export_finance(fiscal_year=2024)
    finance["grants"] = []
    assert client.put("/api/v1/finance/2024/", finance, format="json").status_code == 200
    assert selectors.year_data(fiscal_year=2024).grants == []
