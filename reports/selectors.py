"""Read paths for reports. Every list here runs a fixed number of queries."""

from __future__ import annotations

from django.db.models import QuerySet

from reports.models import Section, User
from reports.permissions import policy


def section_list_for_home(*, user: User) -> QuerySet[Section]:
    qs = Section.objects.select_related("report", "department", "updated_by").order_by(
        "-report__fiscal_year", "department__display_order", "department__code"
    )
    return policy.visible(user, Section, qs)
