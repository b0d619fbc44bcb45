"""Imports that used to answer 500: a file without its `report` key (KeyError) and a department
code that collides with a public URL segment (`all`). Both are refused naming the place."""

import copy
import json

import pytest
from rest_framework.test import APIClient

from reports.models import AnnualReport, Department
from tests.interchange.test_views import DEMO, upload


@pytest.fixture
def document():
    return json.loads(DEMO.read_text(encoding="utf-8"))


@pytest.fixture
def page(client, admin_user):
    client.force_login(admin_user)
    client.raise_request_exception = False
    return client


@pytest.fixture
def api(admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    client.raise_request_exception = False
    return client


def _reserved(document: dict) -> dict:
    broken = copy.deepcopy(document)
    old = "shicho-koshitsu"
    for row in broken["departments"]:
        if row["code"] == old:
            row["code"] = "all"
    for row in broken["sections"]:
        if row["department"] == old:
            row["department"] = "all"
    return broken


def test_file_without_report_is_refused_on_the_page(page, document):
    del document["report"]
    response = upload(page, document)
    assert response.status_code == 400
    html = response.content.decode()
    assert "/report" in html and "必須の項目がありません" in html
    assert not AnnualReport.objects.exists()


def test_file_without_report_is_refused_by_the_api(api, document):
    del document["report"]
    response = api.post("/api/v1/reports/import/", document, format="json")
    assert response.status_code == 400
    assert "/report" in response.json()["details"]
    assert not AnnualReport.objects.exists()


def test_reserved_department_code_is_refused(page, api, document):
    broken = _reserved(document)
    response = upload(page, broken)
    assert response.status_code == 400
    assert "予約語" in response.content.decode()
    response = api.post("/api/v1/reports/import/", broken, format="json")
    assert response.status_code == 400
    details = response.json()["details"]
    assert "/departments/1/code" in details and "/sections/1/department" in details
    assert not Department.objects.filter(code="all").exists()
    assert not AnnualReport.objects.exists()
