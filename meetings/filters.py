"""Filters for the body and session lists (staff pages and the API share them)."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet

from akiruno import wareki
from meetings.models import AgendaItem, MeetingBody, MeetingSession
from meetings.selectors import fiscal_year_choices
from reports.models import Department
from reports.permissions import policy


class WarekiDateField(forms.CharField):
    """A date typed as 2024-06-04, 2024/6/4 or 令和6年6月4日 (akiruno.wareki.parse_date)."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        if isinstance(value, dt.date):
            return value
        return wareki.parse_date(value)

    def validate(self, value):
        if value is None and self.required:
            raise ValidationError(self.error_messages["required"], code="required")


class WarekiDateFilter(django_filters.Filter):
    field_class = WarekiDateField


def _fiscal_year_choices():
    return [(str(fy), wareki.format_fiscal_year(fy)) for fy in fiscal_year_choices()]


def _departments():
    return Department.objects.filter(is_active=True).order_by("display_order", "code")


def _variants(word: str) -> set[str]:
    """A search word as typed, with half-width and with full-width digits (令和6年 / 令和６年)."""
    half = wareki.to_halfwidth(word)
    return {word, half, wareki.to_fullwidth_digits(half)}


def _text_query(qs: QuerySet, text: str, *, body_prefix: str) -> QuerySet:
    """Every word must occur in the name or (for sessions) the agenda, category, venue or note."""
    for word in text.replace("\u3000", " ").split():
        condition = Q()
        for variant in _variants(word):
            condition |= Q(**{f"{body_prefix}name__icontains": variant})
            if body_prefix:
                agenda = AgendaItem.objects.filter(session=OuterRef("pk"), text__icontains=variant)
                condition |= (
                    Q(category__icontains=variant)
                    | Q(venue__icontains=variant)
                    | Q(note__icontains=variant)
                    | Q(Exists(agenda))
                )
            else:
                condition |= Q(key__icontains=variant) | Q(purpose__icontains=variant)
        qs = qs.filter(condition)
    return qs


class SessionFilter(django_filters.FilterSet):
    fiscal_year = django_filters.ChoiceFilter(
        label="年度", choices=_fiscal_year_choices, empty_label="すべての年度"
    )
    department = django_filters.ModelChoiceFilter(
        label="担当課",
        field_name="body__department",
        queryset=_departments(),
        empty_label="すべての課",
    )
    kind = django_filters.ChoiceFilter(
        label="会議体の種類",
        field_name="body__kind",
        choices=MeetingBody.Kind.choices,
        empty_label="すべての種類",
    )
    body = django_filters.ModelChoiceFilter(
        label="会議体", queryset=MeetingBody.objects.none(), empty_label="すべての会議体"
    )
    format = django_filters.ChoiceFilter(
        label="開催形式", choices=MeetingSession.Format.choices, empty_label="すべての形式"
    )
    date_from = WarekiDateFilter(label="開催日（から）", method="filter_date_from")
    date_to = WarekiDateFilter(label="開催日（まで）", method="filter_date_to")
    q = django_filters.CharFilter(label="キーワード（会議体名・議題など）", method="filter_text")

    class Meta:
        model = MeetingSession
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, user=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.filters["department"].queryset = _departments()
        body_field = self.form.fields["body"]
        body_field.queryset = policy.visible(
            user, MeetingBody, MeetingBody.objects.only("id", "name").order_by("name", "key")
        )
        body_field.widget.attrs["data-size"] = "many"
        for name in ("date_from", "date_to"):
            widget = self.form.fields[name].widget
            widget.attrs.update(
                {"placeholder": "2024-04-01 / 令和6年4月1日", "autocomplete": "off"}
            )
        self.form.fields["q"].widget.attrs["type"] = "search"

    def filter_date_from(self, qs: QuerySet, name: str, value: dt.date | None) -> QuerySet:
        """Sessions that end on or after the date (a range counts if any day of it is in)."""
        if not value:
            return qs
        return qs.filter(Q(end__gte=value) | Q(end__isnull=True, start__gte=value))

    def filter_date_to(self, qs: QuerySet, name: str, value: dt.date | None) -> QuerySet:
        if not value:
            return qs
        return qs.filter(start__lte=value)

    def filter_text(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return _text_query(qs, value, body_prefix="body__") if value else qs

    @property
    def qs(self):
        return super().qs.order_by("-start", "body__name", "category", "sequence", "id")


class BodyFilter(django_filters.FilterSet):
    department = django_filters.ModelChoiceFilter(
        label="担当課", queryset=_departments(), empty_label="すべての課"
    )
    kind = django_filters.ChoiceFilter(
        label="種類", choices=MeetingBody.Kind.choices, empty_label="すべての種類"
    )
    role = django_filters.ChoiceFilter(
        label="市の関わり", choices=MeetingBody.Role.choices, empty_label="すべて"
    )
    q = django_filters.CharFilter(label="キーワード（名称・目的・キー）", method="filter_text")

    class Meta:
        model = MeetingBody
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, user=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.filters["department"].queryset = _departments()
        self.form.fields["q"].widget.attrs["type"] = "search"

    def filter_text(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return _text_query(qs, value, body_prefix="") if value else qs


def active_in(qs: QuerySet, fiscal_year: int) -> QuerySet:
    """Bodies active in a fiscal year (no bound means open-ended)."""
    return qs.filter(
        Q(active_from__isnull=True) | Q(active_from__lte=fiscal_year),
        Q(active_to__isnull=True) | Q(active_to__gte=fiscal_year),
    )
