"""FilterSets of the API lists: the same questions the staff pages ask, as query parameters.

`GET /api/v1/sections/?fiscal_year=2024&department=shicho-koshitsu&state=in_review`.
A parameter that cannot be read (a date that is not a date) is a 400 with the parameter named;
a department code that matches nothing simply matches no rows.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from reports.models import AnnualReport, Department, Section, SectionEvent, SectionSnapshot


class IntegerFilter(django_filters.NumberFilter):
    """A whole number within the database's range (a year, an ID)."""

    field_class = forms.IntegerField

    def __init__(self, *args, min_value: int = 1, max_value: int = 2**31 - 1, **kwargs) -> None:
        super().__init__(*args, min_value=min_value, max_value=max_value, **kwargs)


class YearFilter(IntegerFilter):
    """A fiscal year, written in the Western calendar (2024 = 令和6年度)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label", "年度（西暦、例: 2024）")
        super().__init__(*args, min_value=1, max_value=9999, **kwargs)


class CodeListFilter(django_filters.CharFilter):
    """One code or several separated by commas: `department=zaisei,shicho-koshitsu`."""

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        codes = [c.strip() for c in (value or "").split(",") if c.strip()]
        if not codes:
            return qs
        return qs.filter(**{f"{self.field_name}__in": codes})


class DepartmentFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Department.Kind.choices, label="種別")
    is_active = django_filters.BooleanFilter(label="有効（true / false）")
    parent = CodeListFilter(
        field_name="parent__code", label="上位組織のコード（カンマ区切りで複数）"
    )
    q = django_filters.CharFilter(method="search", label="名称またはコードに含む文字")

    class Meta:
        model = Department
        fields = ["kind", "is_active", "parent", "q"]

    def search(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(Q(name__icontains=value) | Q(code__icontains=value))


class AnnualReportFilter(django_filters.FilterSet):
    fiscal_year = YearFilter()
    fiscal_year_from = YearFilter(field_name="fiscal_year", lookup_expr="gte", label="この年度以降")
    fiscal_year_to = YearFilter(field_name="fiscal_year", lookup_expr="lte", label="この年度以前")
    state = django_filters.MultipleChoiceFilter(
        choices=AnnualReport.State.choices, label="状態（複数指定可）"
    )
    q = django_filters.CharFilter(
        field_name="title", lookup_expr="icontains", label="表題に含む文字"
    )

    class Meta:
        model = AnnualReport
        fields = ["fiscal_year", "fiscal_year_from", "fiscal_year_to", "state", "q"]


class SectionFilter(django_filters.FilterSet):
    fiscal_year = YearFilter(field_name="report__fiscal_year")
    department = CodeListFilter(
        field_name="department__code", label="課のコード（カンマ区切りで複数）"
    )
    state = django_filters.MultipleChoiceFilter(
        choices=Section.State.choices, label="状態（複数指定可）"
    )
    updated_from = django_filters.DateFilter(
        field_name="updated_at", lookup_expr="date__gte", label="この日以降に更新（YYYY-MM-DD）"
    )
    updated_to = django_filters.DateFilter(
        field_name="updated_at", lookup_expr="date__lte", label="この日以前に更新（YYYY-MM-DD）"
    )
    q = django_filters.CharFilter(method="search", label="課名またはコードに含む文字")

    class Meta:
        model = Section
        fields = ["fiscal_year", "department", "state", "updated_from", "updated_to", "q"]

    def search(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(
            Q(department_name__icontains=value)
            | Q(department__name__icontains=value)
            | Q(department__code__icontains=value)
        )


class SectionEventFilter(django_filters.FilterSet):
    section = IntegerFilter(field_name="section_id", label="課別報告の ID")
    fiscal_year = YearFilter(field_name="section__report__fiscal_year")
    department = CodeListFilter(
        field_name="section__department__code", label="課のコード（カンマ区切りで複数）"
    )
    action = django_filters.MultipleChoiceFilter(
        choices=SectionEvent.Action.choices, label="操作（複数指定可）"
    )
    actor = django_filters.CharFilter(field_name="actor__username", label="操作者のユーザー名")
    created_from = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label="この日以降（YYYY-MM-DD）"
    )
    created_to = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label="この日以前（YYYY-MM-DD）"
    )
    q = django_filters.CharFilter(
        field_name="comment", lookup_expr="icontains", label="コメントに含む文字"
    )

    class Meta:
        model = SectionEvent
        fields = [
            "section",
            "fiscal_year",
            "department",
            "action",
            "actor",
            "created_from",
            "created_to",
            "q",
        ]


class SectionSnapshotFilter(django_filters.FilterSet):
    section = IntegerFilter(field_name="section_id", label="課別報告の ID")
    fiscal_year = YearFilter(field_name="section__report__fiscal_year")
    department = CodeListFilter(
        field_name="section__department__code", label="課のコード（カンマ区切りで複数）"
    )

    class Meta:
        model = SectionSnapshot
        fields = ["section", "fiscal_year", "department"]
