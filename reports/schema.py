"""The interchange format's JSON Schema, generated from the registries.

docs/report-format.schema.json is written by `manage.py write_schema` (`make schema`) and never
edited by hand; tests/interchange/test_schema_generated.py fails when the committed file and
the generated one differ. The pieces:

- the envelope, the report tree (sections, items to the deepest numbering level, blocks) and
  the shared $defs (date, key, department) are declared here;
- each registered block kind gives the schema of its data (`BlockKind.schema`, as
  `#/$defs/<kind>_data`) and any $defs it shares (`BlockKind.schema_defs`);
- each app whose records travel in the format (meetings, finance) gives its top-level object
  and its $defs from `<app>.interchange.schema_part()`.
"""

from __future__ import annotations

import json
from importlib import import_module
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings

from akiruno.numbering import MAX_DEPTH
from reports import blocks

SCHEMA_PATH = Path(settings.BASE_DIR) / "docs" / "report-format.schema.json"

ENVELOPE: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:akiruno:jimuhokoku:report-format:1",
    "title": "事務報告書 interchange format, version 1 (docs/report-format.md)",
    "description": "A fiscal year's report, or one department's section of it. "
    "Cross-references (body, account and table keys, department codes), supplementary counts "
    "and arithmetic are checked by the importer, not by this schema.",
    "type": "object",
    "required": ["format", "format_version", "fiscal_year", "sections"],
    "additionalProperties": False,
}

HEAD_PROPERTIES: dict[str, Any] = {
    "format": {"const": "akiruno-jimuhokoku"},
    "format_version": {"const": 1},
    "fiscal_year": {"type": "integer", "minimum": 1989, "maximum": 2200},
    "report": {
        "type": "object",
        "properties": {
            "title": {"type": "string", "minLength": 1},
            "deadline": {"anyOf": [{"$ref": "#/$defs/date"}, {"type": "null"}]},
        },
        "additionalProperties": False,
        "required": ["title"],
    },
    "departments": {"type": "array", "items": {"$ref": "#/$defs/department"}},
}

SHARED_DEFS: dict[str, Any] = {
    "date": {
        "type": "string",
        "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
    },
    "key": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]*$", "maxLength": 100},
    "department": {
        "type": "object",
        "properties": {
            "code": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$", "maxLength": 50},
            "name": {"type": "string", "minLength": 1, "maxLength": 100},
            "kind": {"enum": ["bu", "ka", "kakari"]},
            "parent": {"type": ["string", "null"]},
            "display_order": {"type": "integer", "minimum": 0},
        },
        "additionalProperties": False,
        "required": ["code", "name", "kind"],
    },
}


def _block_def(kinds: list[blocks.BlockKind]) -> dict:
    return {
        "type": "object",
        "required": ["kind", "data"],
        "additionalProperties": False,
        "properties": {
            "uid": {"type": "string"},
            "kind": {"enum": [k.kind for k in kinds]},
            "data": {"type": "object"},
            "resolved": {"description": "Snapshots only: the referenced records as they were."},
        },
        "allOf": [
            {
                "if": {"properties": {"kind": {"const": k.kind}}, "required": ["kind"]},
                "then": {"properties": {"data": {"$ref": f"#/$defs/{k.kind}_data"}}},
            }
            for k in kinds
            if k.schema is not None
        ],
    }


def _tree_defs() -> dict:
    from reports.models import Section

    defs: dict[str, Any] = {
        "item_fields": {
            "type": "object",
            "required": ["heading", "blocks", "children"],
            "properties": {
                "uid": {"type": "string"},
                "heading": {"type": "string", "minLength": 1, "maxLength": 500},
                "blocks": {"type": "array", "items": {"$ref": "#/$defs/block"}},
            },
        }
    }
    for depth in range(1, MAX_DEPTH + 1):
        children: dict[str, Any] = (
            {"type": "array", "items": {"$ref": f"#/$defs/item{depth + 1}"}}
            if depth < MAX_DEPTH
            else {"type": "array", "maxItems": 0}
        )
        defs[f"item{depth}"] = {
            "$ref": "#/$defs/item_fields",
            "properties": {"children": children},
            "unevaluatedProperties": False,
            "description": f"An item at depth {depth}.",
        }
    defs["section"] = {
        "type": "object",
        "properties": {
            "department": {"type": "string", "minLength": 1},
            "department_name": {"type": "string"},
            "state": {"enum": list(Section.State.values)},
            "items": {"type": "array", "items": {"$ref": "#/$defs/item1"}},
        },
        "additionalProperties": False,
        "required": ["department", "items"],
    }
    return defs


def record_parts() -> list[tuple[str, dict, dict]]:
    """(top-level key, schema, $defs) of every app that has `interchange.schema_part()`."""
    parts = []
    for app in apps.get_app_configs():
        try:
            module = import_module(f"{app.name}.interchange")
        except ModuleNotFoundError as exc:
            if exc.name == f"{app.name}.interchange":
                continue
            raise
        if hasattr(module, "schema_part"):
            parts.append(module.schema_part())
    return parts


def _add(defs: dict, name: str, fragment: dict, owner: str) -> None:
    if name in defs and defs[name] != fragment:
        raise ValueError(f"$defs/{name} is declared twice, differently ({owner})")
    defs[name] = fragment


def build_schema() -> dict:
    """The whole schema, as a dict (ordered as written)."""
    kinds = blocks.menu()
    defs: dict[str, Any] = dict(SHARED_DEFS)
    for kind in kinds:
        if kind.schema is not None:
            _add(defs, f"{kind.kind}_data", kind.schema, kind.kind)
        for name, fragment in kind.schema_defs.items():
            _add(defs, name, fragment, kind.kind)
    defs["block"] = _block_def(kinds)
    defs.update(_tree_defs())
    properties = dict(HEAD_PROPERTIES)
    for key, schema, part_defs in record_parts():
        properties[key] = schema
        for name, fragment in part_defs.items():
            _add(defs, name, fragment, key)
    properties["sections"] = {"type": "array", "items": {"$ref": "#/$defs/section"}}
    return {**ENVELOPE, "properties": properties, "$defs": defs}


def schema_text() -> str:
    """The schema as written to docs/report-format.schema.json."""
    return json.dumps(build_schema(), ensure_ascii=False, indent=2) + "\n"
