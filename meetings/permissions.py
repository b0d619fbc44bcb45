"""Permission rules for meetings, registered with the one policy (reports.permissions.policy).

Editors and heads of the owning department edit its bodies, sessions and manual counts;
reviewers and administrators see all; everyone else gets 404 (policy.check).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from meetings.models import ManualCount, MeetingBody, MeetingSession
from reports.models import Department
from reports.permissions import Actor, Policy, is_admin, is_member, is_staff_user, policy

BODY_ACTIONS = {"view", "edit", "delete", "add_session", "add_count"}


def _can_for_department(user: Actor, action: str, department_id: int | None) -> bool:
    if action == "view":
        return Policy.can_department_record(user, "view", department_id)
    if action in BODY_ACTIONS:
        return Policy.can_department_record(user, "edit", department_id)
    return False


def _can_body(user: Actor, action: str, body: MeetingBody) -> bool:
    return _can_for_department(user, action, body.department_id)


def _can_child(user: Actor, action: str, obj: MeetingSession | ManualCount) -> bool:
    return _can_for_department(user, action, obj.body.department_id)


policy.register(
    MeetingBody,
    can=_can_body,
    visible=lambda user, qs: Policy.department_records(user, qs),
)
policy.register(
    MeetingSession,
    can=_can_child,
    visible=lambda user, qs: Policy.department_records(user, qs, "body__department"),
)
policy.register(
    ManualCount,
    can=_can_child,
    visible=lambda user, qs: Policy.department_records(user, qs, "body__department"),
)


def can_create_body(user: Actor, department: Department | None) -> bool:
    """May the user register a body owned by `department`?"""
    if department is None:
        return False
    return Policy.can_department_record(user, "edit", department.pk)


def can_record_meetings(user: Actor) -> bool:
    """May the user create bodies or import sessions at all (some department to write for)?"""
    return is_admin(user) or (is_staff_user(user) and is_member(user, user.department_id))


def editable_departments(user: Actor) -> QuerySet[Department]:
    """The departments whose bodies the user may create."""
    qs = Department.objects.filter(is_active=True)
    if is_admin(user):
        return qs
    if is_staff_user(user) and is_member(user, user.department_id):
        return qs.filter(pk=user.department_id)
    return qs.none()


def editable(user: Actor, obj: Any) -> bool:
    return policy.can(user, "edit", obj)
