"""Wrong JSON types in a table cell (PATCH /api/v1/blocks/{id}/) are a 400 on that cell, not 500."""

import pytest
from rest_framework.test import APIClient

from reports.models import Block
from reports.services import content as svc

COLUMNS = [
    {"key": "n", "label": "件数", "type": "integer"},
    {"key": "yen", "label": "金額", "type": "amount", "unit": "円"},
    {"key": "day", "label": "日付", "type": "date"},
    {"key": "note", "label": "備考", "type": "text"},
]


@pytest.fixture
def table(section, editor):
    item = svc.item_create(section=section, user=editor, heading="表")
    section.refresh_from_db()
    return svc.block_create(
        item=item, user=editor, kind="table", data={"columns": COLUMNS, "rows": [[1, 2, None, "x"]]}
    )


@pytest.mark.parametrize("column", ["n", "yen", "day", "note"])
@pytest.mark.parametrize("value", [1.5, [1], {"a": 1}, True])
def test_wrong_type_in_a_cell_is_a_400_naming_the_cell(editor, table, column, value):
    client = APIClient()
    client.force_authenticate(editor)
    client.raise_request_exception = False
    row = {"n": 1, "yen": 2, "day": None, "note": "x", column: value}
    response = client.patch(
        f"/api/v1/blocks/{table.pk}/",
        {"data": {"columns": COLUMNS, "rows": [row]}},
        format="json",
        HTTP_IF_MATCH=f'"v{table.version}"',
    )
    assert response.status_code == 400, response.content
    details = response.json()["details"]
    assert f"/data/rows/0/{column}" in details or f"/rows/0/{column}" in details, details
    message = " ".join(details.values())
    assert "1行目" in message
    assert Block.objects.get(pk=table.pk).version == table.version
