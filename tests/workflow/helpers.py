"""Set-up helpers for the workflow tests: content that passes submission, states by the book."""

from __future__ import annotations

from django.db import connection

from reports.models import (
    Notification,
    ReportEvent,
    ReviewComment,
    Section,
    SectionEvent,
    SectionRevision,
    SectionSnapshot,
)
from reports.services import workflow
from reports.snapshot import section_content
from tests import factories

MEETINGS = {
    "caption": "開催状況",
    "columns": [
        {"key": "date", "label": "開催日", "type": "text"},
        {"key": "topic", "label": "内容", "type": "text"},
    ],
    "rows": [["令和６年５月１日", "総会"], ["令和６年１１月５日", "研修会"]],
}


def fill(section: Section) -> dict:
    """Give a section content that passes strict validation; return its items by name."""
    first = factories.make_item(section, "広報活動")
    factories.make_block(first, "text", {"paragraphs": ["「広報あきる野」を月２回発行した。"]})
    second = factories.make_item(section, "会議")
    child = factories.make_item(section, "協議会", parent=second)
    table = factories.make_block(child, "table", MEETINGS)
    return {"first": first, "second": second, "child": child, "table": table}


def revise(section: Section, user, summary: str = "編集") -> SectionRevision:
    """Record a content change by `user`, as the authoring services do."""
    return SectionRevision.objects.create(
        section=section,
        section_version=section.version,
        user=user,
        summary=summary,
        content=section_content(section, resolve=False),
    )


def advance(section: Section, state: str, *, editor, head, reviewer) -> Section:
    """Move a section to `state` through the real services."""
    route = {
        "draft": [],
        "awaiting_head": ["submit"],
        "in_review": ["submit", "forward"],
        "returned": ["submit", "forward", "return"],
        "approved": ["submit", "forward", "approve"],
    }[state]
    for action in route:
        if action == "submit":
            workflow.section_submit(section=section, user=editor)
        elif action == "forward":
            workflow.section_forward(section=section, user=head)
        elif action == "return":
            workflow.section_return(section=section, user=reviewer, comment="直してください。")
        elif action == "approve":
            workflow.section_approve(section=section, user=reviewer)
    section.refresh_from_db()
    assert section.state == state
    return section


def counts() -> dict[str, int]:
    """Everything a transition writes, to assert that a refused one wrote nothing."""
    return {
        "events": SectionEvent.objects.count(),
        "report_events": ReportEvent.objects.count(),
        "snapshots": SectionSnapshot.objects.count(),
        "comments": ReviewComment.objects.count(),
        "notifications": Notification.objects.count(),
    }


def state_of(section: Section) -> tuple[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT state, version FROM reports_section WHERE id = %s", [section.pk])
        return tuple(cursor.fetchone())


def is_japanese(text: str) -> bool:
    return any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in text)
