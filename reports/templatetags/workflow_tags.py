"""Template helpers of the review workflow: the panel's state and the unread-notice count.

{% load workflow_tags %}
{% workflow_panel_state section as wf %}   actions, holder, refusal reason, deadline, last event
{% unread_notifications as unread %}       the signed-in user's unread notifications (one query)
{{ mapping|get:key }}                      a dict lookup
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from reports import selectors_workflow as sel
from reports.models import SectionEvent
from reports.permissions import is_reviewer, policy
from reports.services import notifications, workflow

register = template.Library()


@register.simple_tag(takes_context=True)
def workflow_panel_state(context: dict, section) -> dict:
    user = context.get("user") or getattr(context.get("request"), "user", None)
    actions = workflow.available_actions(user, section)
    refusal = None
    if section.state == section.State.IN_REVIEW and is_reviewer(user) and "approve" not in actions:
        refusal = policy.approve_refusal(user, section)
    heads = []
    if section.state == section.State.AWAITING_HEAD:
        heads = sel.heads_by_department([section.department_id]).get(section.department_id, [])
    deadline = section.report.deadline
    last_event = (
        SectionEvent.objects.filter(section_id=section.pk)
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )
    return {
        "actions": actions,
        "holder": sel.holder_label(section, heads),
        "approve_refusal": refusal,
        "deadline": deadline,
        "days_overdue": sel.days_overdue(section, deadline, timezone.localdate()),
        "last_event": last_event,
        "can_preview": policy.can(user, "preview", section),
    }


@register.simple_tag(takes_context=True)
def unread_notifications(context: dict) -> int:
    user = context.get("user")
    return notifications.unread_count(user) if user is not None else 0


@register.filter
def get(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key) if hasattr(mapping, "get") else mapping[key]
    except (KeyError, IndexError, TypeError):
        return None


@register.simple_tag
def pin_value(form_data: Any, slot: int, name: str) -> str:
    """The value a pinned-comment field had when the form came back with an error."""
    if not form_data:
        return ""
    return form_data.get(f"pin-{slot}-{name}", "") or ""


# Details that are for programs (the API), not for people reading the error page.
_MACHINE_DETAILS = {"state", "version", "report_state"}


def error_details(error: Any) -> list[tuple[str, str]]:
    """(place, text) for each human-readable detail of an ApplicationError, lists flattened
    and the details meant for programs (state, version) left out."""
    details = getattr(error, "details", None)
    if not isinstance(details, dict):
        return []
    out: list[tuple[str, str]] = []
    for key, value in details.items():
        if key in _MACHINE_DETAILS:
            continue
        for text in value if isinstance(value, list | tuple) else [value]:
            out.append((str(key), str(text)))
    return out


@register.filter
def error_lines(error: Any) -> list[str]:
    """The human-readable lines of an ApplicationError's details, lists flattened."""
    return [text for _place, text in error_details(error)]


@register.simple_tag(takes_context=True)
def workflow_return_comments(context: dict, section) -> dict:
    """The comments of the section's last return, for pages other than the review page."""
    user = context.get("user")
    last_return = sel.latest_return(section)
    comments = sel.return_comments(last_return)
    return {
        "last_return": last_return,
        "comments": comments,
        "by_item": sel.comments_by_place(comments),
        "resolved": sum(1 for c in comments if c.is_resolved),
        "can_resolve": last_return is not None
        and section.is_editable
        and policy.can(user, "edit", section),
    }


@register.filter
def diff_rows(lines: list) -> list[dict]:
    """The diff's lines as side-by-side rows: each run of deleted lines next to the run of
    inserted lines that replaced it, unchanged lines on both sides, folded runs as one row."""
    rows: list[dict] = []
    deletes: list = []
    inserts: list = []

    def flush() -> None:
        for n in range(max(len(deletes), len(inserts))):
            rows.append(
                {
                    "op": "change",
                    "old": deletes[n] if n < len(deletes) else None,
                    "new": inserts[n] if n < len(inserts) else None,
                }
            )
        deletes.clear()
        inserts.clear()

    for line in lines:
        if line.op == "delete":
            if inserts:
                flush()
            deletes.append(line)
        elif line.op == "insert":
            inserts.append(line)
        else:
            flush()
            rows.append({"op": line.op, "old": line, "new": line})
    flush()
    return rows
