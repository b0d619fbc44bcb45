"""The interchange format: round trips, all-or-nothing imports with every error at once."""

import copy
import json
import random
from pathlib import Path

import pytest
from django.core.management import call_command

from akiruno.exceptions import Conflict, InvalidInput, NotFound, PermissionDenied
from finance.models import Account
from meetings.models import MeetingBody, MeetingSession
from reports.models import AnnualReport, Block, Item, Section, SectionEvent
from reports.services.interchange import canonical_json, export_report, import_report, schema_errors

DEMO = Path(__file__).resolve().parents[2] / "demo" / "fy2024.json"


@pytest.fixture
def demo_document():
    return json.loads(DEMO.read_text(encoding="utf-8"))


def database_counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (
            AnnualReport,
            Section,
            Item,
            Block,
            MeetingBody,
            MeetingSession,
            Account,
            SectionEvent,
        )
    }


def test_demo_round_trip_is_byte_identical(admin_user, demo_document):
    import_report(demo_document, user=admin_user)
    exported = canonical_json(export_report(fiscal_year=2024))
    assert exported == DEMO.read_text(encoding="utf-8")


def _generated_document(seed: int) -> dict:
    """A document with a random tree of core blocks, built from the demo's envelope."""
    rng = random.Random(seed)

    def block() -> dict:
        kind = rng.choice(["text", "list", "counts", "table"])
        if kind == "text":
            return {"kind": "text", "data": {"paragraphs": [f"段落{rng.randint(1, 999)}。"]}}
        if kind == "list":
            return {
                "kind": "list",
                "data": {"entries": [f"項目{i}" for i in range(rng.randint(1, 5))]},
            }
        if kind == "counts":
            return {
                "kind": "counts",
                "data": {"entries": [{"label": "会議", "value": rng.randint(0, 99), "unit": "回"}]},
            }
        rows = [{"name": f"行{i}", "n": rng.randint(-5000, 5000)} for i in range(rng.randint(1, 6))]
        return {
            "kind": "table",
            "data": {
                "columns": [
                    {"key": "name", "label": "区分", "type": "text"},
                    {"key": "n", "label": "件数", "type": "integer"},
                ],
                "rows": rows,
                "summary": [{"op": "sum"}],
            },
        }

    def items(depth: int) -> list[dict]:
        if depth > 6:
            return []
        return [
            {
                "heading": f"見出し{depth}-{i}",
                "blocks": [block() for _ in range(rng.randint(0, 2))],
                "children": items(depth + 1) if rng.random() < 0.5 else [],
            }
            for i in range(rng.randint(1, 3))
        ]

    return {
        "format": "akiruno-jimuhokoku",
        "format_version": 1,
        "fiscal_year": 2030,
        "report": {"title": "令和12年度 事務報告書", "deadline": None},
        "departments": [
            {"code": "somu", "name": "総務課", "kind": "ka", "parent": None, "display_order": 5}
        ],
        "meetings": {"bodies": []},
        "finance": {
            "accounts": [],
            "comparisons": [],
            "bonds": None,
            "funds": [],
            "grants": [],
        },
        "sections": [{"department": "somu", "state": "draft", "items": items(1)}],
    }


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_generated_documents_round_trip(admin_user, seed):
    document = _generated_document(seed)
    import_report(document, user=admin_user)
    first = canonical_json(export_report(fiscal_year=2030))
    AnnualReport.objects.filter(fiscal_year=2030).delete()
    import_report(json.loads(first), user=admin_user)
    assert canonical_json(export_report(fiscal_year=2030)) == first


def test_schema_errors_name_the_place(demo_document):
    broken = copy.deepcopy(demo_document)
    broken["format_version"] = "one"
    del broken["sections"][0]["items"][0]["heading"]
    errors = schema_errors(broken)
    assert "/format_version" in errors
    assert "/sections/0/items/0" in errors


def test_every_domain_error_is_reported_at_once_and_nothing_is_written(admin_user, demo_document):
    before = database_counts()
    broken = copy.deepcopy(demo_document)
    # 1. a text in a number cell of a core table (valid JSON, invalid domain value)
    shicho = next(s for s in broken["sections"] if s["department"] == "shicho-koshitsu")
    table = _find_block(shicho["items"], "table")
    numeric = next(
        c["key"] for c in table["data"]["columns"] if c["type"] == "integer" and "computed" not in c
    )
    table["data"]["rows"][0][numeric] = "たくさん"
    # 2. a meeting session outside the fiscal year
    broken["meetings"]["bodies"][0]["sessions"].append(
        {
            "category": "協議会",
            "sequence": None,
            "start": "2026-06-01",
            "end": None,
            "format": "in_person",
            "venue": "",
            "attendance": None,
            "agenda": [],
            "note": "",
        }
    )
    # 3. an unbalanced special account
    broken["finance"]["accounts"][0]["parts"][0]["lines"][0]["initial"] += 1
    with pytest.raises(InvalidInput) as exc:
        import_report(broken, user=admin_user)
    details = exc.value.details
    assert any(key.endswith(f"/rows/0/{numeric}") for key in details), details
    assert any(key.startswith("/meetings/bodies/0/sessions") for key in details), details
    assert any(key.startswith("/finance") for key in details), details
    assert "何も取り込んでいません" in exc.value.message
    assert database_counts() == before


def _find_block(items: list[dict], kind: str) -> dict:
    for item in items:
        for block in item["blocks"]:
            if block["kind"] == kind:
                return block
        found = _find_block(item["children"], kind)
        if found:
            return found
    return {}


def test_seven_levels_are_refused_with_a_pointer(admin_user):
    document = _generated_document(9)
    node = {"heading": "深すぎる", "blocks": [], "children": []}
    deep = node
    for _ in range(6):
        deep = {"heading": "階層", "blocks": [], "children": [deep]}
    document["sections"][0]["items"] = [deep]
    with pytest.raises(InvalidInput) as exc:
        import_report(document, user=admin_user)
    assert any(key.startswith("/sections/0") for key in exc.value.details)
    assert not AnnualReport.objects.filter(fiscal_year=2030).exists()


def test_dry_run_writes_nothing(admin_user, demo_document):
    before = database_counts()
    result = import_report(demo_document, user=admin_user, dry_run=True)
    assert result.dry_run and "書き込みなし" in result.summary()
    assert database_counts() == before


def test_existing_year_is_refused_unless_replace(admin_user, demo_document):
    import_report(demo_document, user=admin_user)
    with pytest.raises(Conflict):
        import_report(demo_document, user=admin_user)
    changed = copy.deepcopy(demo_document)
    changed["sections"][1]["items"][0]["heading"] = "差し替えた見出し"
    import_report(changed, user=admin_user, replace=True)
    assert Item.objects.filter(heading="差し替えた見出し").count() == 1


def test_only_administrators_import(editor, reviewer, demo_document):
    for user in (editor, reviewer):
        with pytest.raises((PermissionDenied, NotFound)):
            import_report(demo_document, user=user)
    assert not AnnualReport.objects.filter(fiscal_year=2024).exists()


def test_imported_sections_start_as_drafts_unless_an_admin_keeps_states(admin_user, demo_document):
    document = copy.deepcopy(demo_document)
    document["sections"][0]["state"] = "approved"
    import_report(document, user=admin_user)
    assert set(Section.objects.values_list("state", flat=True)) == {"draft"}
    AnnualReport.objects.all().delete()
    import_report(document, user=admin_user, keep_states=True)
    section = Section.objects.get(department__code=document["sections"][0]["department"])
    assert section.state == "approved"
    event = SectionEvent.objects.get(section=section)
    assert event.action == "import" and event.actor == admin_user


def test_commands_round_trip_and_report_errors(admin_user, tmp_path, demo_document):
    source = tmp_path / "in.json"
    source.write_text(json.dumps(demo_document, ensure_ascii=False), encoding="utf-8")
    call_command("import_report", str(source), "--user", "admin")
    target = tmp_path / "out.json"
    call_command("export_report", "2024", str(target), "--user", "admin")
    assert target.read_text(encoding="utf-8") == DEMO.read_text(encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="JSON として読めません"):
        call_command("import_report", str(bad), "--user", "admin")


def test_one_departments_export_holds_only_its_own_records(admin_user, demo_document):
    import_report(demo_document, user=admin_user)
    koshitsu = export_report(fiscal_year=2024, department="shicho-koshitsu")
    assert [s["department"] for s in koshitsu["sections"]] == ["shicho-koshitsu"]
    assert {b["department"] for b in koshitsu["meetings"]["bodies"]} <= {"shicho-koshitsu"}
    assert koshitsu["finance"]["accounts"] == [] and koshitsu["finance"]["bonds"] is None
    zaisei = export_report(fiscal_year=2024, department="zaisei")
    assert len(zaisei["finance"]["accounts"]) == 7
    assert zaisei["finance"]["bonds"] == demo_document["finance"]["bonds"]
    assert schema_errors(koshitsu) == {} and schema_errors(zaisei) == {}
