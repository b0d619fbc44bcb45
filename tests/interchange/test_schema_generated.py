"""The interchange JSON Schema is generated from the registries, never edited by hand."""

import json

from django.core.management import call_command

from reports import blocks
from reports.schema import SCHEMA_PATH, build_schema, schema_text


def test_the_committed_schema_is_the_generated_one():
    committed = SCHEMA_PATH.read_text(encoding="utf-8")
    assert committed == schema_text(), (
        "docs/report-format.schema.json differs from the registries: run `make schema`"
    )


def test_every_registered_kind_has_its_data_schema_and_a_branch_in_block():
    schema = build_schema()
    block = schema["$defs"]["block"]
    assert block["properties"]["kind"]["enum"] == [k.kind for k in blocks.menu()]
    branches = {b["if"]["properties"]["kind"]["const"] for b in block["allOf"]}
    for name in blocks.kinds():
        assert name in branches
        assert f"{name}_data" in schema["$defs"]


def test_meetings_and_finance_bring_their_objects_and_defs():
    schema = build_schema()
    assert list(schema["properties"]) == [
        "format",
        "format_version",
        "fiscal_year",
        "report",
        "departments",
        "meetings",
        "finance",
        "sections",
    ]
    assert {"meeting_body", "session", "account", "grant", "loan"} <= set(schema["$defs"])


def test_write_schema_check_refuses_a_stale_file(tmp_path, monkeypatch):
    import pytest
    from django.core.management.base import CommandError

    from reports import schema

    stale = tmp_path / "schema.json"
    stale.write_text(json.dumps({"stale": True}), encoding="utf-8")
    monkeypatch.setattr(schema, "SCHEMA_PATH", stale)
    monkeypatch.setattr("reports.management.commands.write_schema.SCHEMA_PATH", stale)
    with pytest.raises(CommandError):
        call_command("write_schema", "--check")
    call_command("write_schema")
    assert stale.read_text(encoding="utf-8") == schema_text()
    call_command("write_schema", "--check")
