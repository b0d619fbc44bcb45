"""The policy's rules for the organisation and the workflow records (registered at start-up).

- Departments: every member of staff sees them; administrators manage them.
- Section events and snapshots: visible exactly where their section's history is.
"""

from __future__ import annotations

from django.db.models import QuerySet

from reports.models import Department, Section, SectionEvent, SectionSnapshot
from reports.permissions import Actor, is_admin, is_staff_user, policy


def _visible_departments(user: Actor, qs: QuerySet) -> QuerySet:
    return qs if is_staff_user(user) else qs.none()


def _can_department(user: Actor, action: str, department: Department) -> bool:
    if action == "view":
        return is_staff_user(user)
    if action == "manage":
        return is_admin(user)
    return False


def _visible_section_records(user: Actor, qs: QuerySet) -> QuerySet:
    sections = policy.visible(user, Section, Section.objects.all())
    return qs.filter(section__in=sections.values("pk"))


def _can_section_record(user: Actor, action: str, record: SectionEvent | SectionSnapshot) -> bool:
    if action == "view":
        return policy.can(user, "history", record.section)
    return False


def register_rules() -> None:
    policy.register(Department, can=_can_department, visible=_visible_departments)
    policy.register(SectionEvent, can=_can_section_record, visible=_visible_section_records)
    policy.register(SectionSnapshot, can=_can_section_record, visible=_visible_section_records)
