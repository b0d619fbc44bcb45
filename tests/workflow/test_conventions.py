"""A section's state changes only in reports/services/workflow.py.

Section.save() refuses a changed state at run time; this test refuses, at review time, the
paths that bypass save(): a queryset update() or bulk_update() of `state` on Section.
"""

import ast
from pathlib import Path

import pytest

from reports.models import Section

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {ROOT / "reports" / "services" / "workflow.py"}
PACKAGES = ["akiruno", "reports", "meetings", "finance"]


SECTION_NAMES = {"Section", "sections", "section_set"}


def _chain_names(node: ast.AST) -> set[str]:
    """Every name and attribute along a call chain: Section.objects.filter(...) → {Section, …}."""
    names = set()
    while isinstance(node, ast.Call | ast.Attribute | ast.Subscript):
        if isinstance(node, ast.Attribute):
            names.add(node.attr)
        node = node.func if isinstance(node, ast.Call) else node.value
    if isinstance(node, ast.Name):
        names.add(node.id)
    return names


def _offences(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method = node.func.attr
        on_sections = bool(_chain_names(node.func.value) & SECTION_NAMES)
        where = f"{path.relative_to(root)}:{node.lineno}"
        if method == "update" and on_sections and any(k.arg == "state" for k in node.keywords):
            found.append(f"{where} update(state=…)")
        if method == "bulk_update" and on_sections and "state" in ast.unparse(node):
            found.append(f"{where} bulk_update(…state…)")
    return found


def test_no_section_state_is_written_outside_the_workflow_services():
    offences = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if path in ALLOWED or "migrations" in path.parts:
                continue
            offences += _offences(path)
    assert offences == [], "Section.state must change only through reports.services.workflow"


def test_the_scanner_finds_an_offence(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "Section.objects.filter(pk=1).update(state='approved')\n"
        "report.sections.filter(state='draft').update(state='approved')\n"
        "Section.objects.bulk_update(objs, ['state'])\n"
        "AnnualReport.objects.filter(pk=1).update(state='published')\n"  # the report: fine
    )
    assert len(_offences(bad, tmp_path)) == 3


@pytest.mark.django_db
def test_assigning_the_state_and_saving_is_refused(section):
    section.state = Section.State.APPROVED
    with pytest.raises(RuntimeError, match="ワークフロー"):
        section.save()
    assert Section.objects.get(pk=section.pk).state == "draft"
