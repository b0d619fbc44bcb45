"""Template filters for Japanese dates, fiscal years, numbers and heading labels.

{% load japanese %}
{{ meeting.held_on|wareki }}          令和６年１０月１５日   ("half": 令和6年10月15日, "pad")
{{ event.created_at|wareki_datetime }} 令和6年10月15日 09:05 (staff screens; "seconds": 09:05:30)
{{ fiscal_year|nendo }}               令和6年度              ("full": 令和６年度)
{{ amount|amount }}                   8,479,247 / △16,658 / － for None
{{ votes|zen }}                       ４，１１９
{{ sessions|count:"回" }}             ２回
{{ ratio|percent }}                   3.3 / △1.2 / － for None
{% heading_label depth index %}       １, （１）, ア, （ア）, ａ, （ａ）
{{ section.content_version|version_label }} 第3版 (a content version; 0: 保存前)

The filters return plain strings, never marked safe, so autoescaping still applies. Like
Django's own filters they do not raise on a value of the wrong type: they return it unchanged
so that it shows up in review instead of vanishing. ``heading_label`` does raise when a
heading has no possible label (a 47th katakana sibling): the report cannot be printed then.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import template
from django.utils import timezone

from akiruno import numbering, numbers
from akiruno import wareki as _wareki  # the module; `wareki` below is the filter

register = template.Library()


def _options(arg: str) -> set[str]:
    return {option.strip() for option in str(arg or "").split(",") if option.strip()}


def _digits(options: set[str], default: _wareki.Digits) -> _wareki.Digits:
    if "half" in options:
        return "half"
    if "full" in options:
        return "full"
    return default


def _as_int(value: Any) -> int | None:
    """Return value as an int if it is one (or an integral Decimal), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    return None


@register.filter
def wareki(value: Any, arg: str = "") -> Any:
    """Format a date in 和暦: 令和６年１０月１５日. Options: "half", "pad" ("half,pad")."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if not isinstance(value, date):
        return value
    options = _options(arg)
    try:
        return _wareki.format_date(value, digits=_digits(options, "full"), pad="pad" in options)
    except ValueError:  # before 明治
        return value.isoformat()


@register.filter
def wareki_datetime(value: Any, arg: str = "") -> Any:
    """Format a moment for staff screens in 和暦 and local time: 令和6年10月15日 09:05.

    Half-width digits, as a screen of records reads best; option "seconds" adds :SS. The API
    and the exports keep ISO 8601: this is only how a person reads the moment.
    """
    if value in (None, ""):
        return ""
    if not isinstance(value, datetime):
        return value
    moment = timezone.localtime(value) if timezone.is_aware(value) else value
    clock = "%H:%M:%S" if "seconds" in _options(arg) else "%H:%M"
    try:
        day = _wareki.format_date(moment.date(), digits="half")
    except ValueError:  # before 明治
        day = moment.date().isoformat()
    return f"{day} {moment.strftime(clock)}"


@register.filter
def nendo(value: Any, arg: str = "") -> Any:
    """Format a fiscal year: 2024 -> 令和6年度. Option: "full" (令和６年度)."""
    if value in (None, ""):
        return ""
    fiscal_year = _as_int(value)
    if fiscal_year is None:
        return value
    try:
        return _wareki.format_fiscal_year(fiscal_year, digits=_digits(_options(arg), "half"))
    except ValueError:
        return value


@register.filter
def amount(value: Any) -> Any:
    """Format an amount as tables print it: 8,479,247, △16,658, － when there is no value."""
    if value in (None, ""):
        return numbers.format_integer(None)
    number = _as_int(value)
    return value if number is None else numbers.format_integer(number)


@register.filter
def zen(value: Any) -> Any:
    """Format an integer as running text prints it: ８，４７９，２４７, △１６，６５８."""
    if value in (None, ""):
        return numbers.format_integer(None)
    number = _as_int(value)
    return value if number is None else numbers.format_integer(number, digits="full")


@register.filter
def count(value: Any, unit: str = "") -> Any:
    """Write a count with its unit in full-width digits: {{ n|count:"回" }} -> ２回."""
    if value in (None, ""):
        return ""
    number = _as_int(value)
    return value if number is None else numbers.count_text(number, str(unit))


@register.filter
def percent(value: Any, places: Any = 1) -> Any:
    """Format a ratio to one decimal place, rounding half up: 3.3, △1.2, － for None."""
    if value in (None, ""):
        return numbers.format_decimal(None)
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        return value
    try:
        return numbers.format_decimal(value, int(places))
    except (TypeError, ValueError):
        return value


@register.simple_tag
def heading_label(depth: int, index: int) -> str:
    """Return the heading label for a depth (1-6) and a 1-based index: １, （１）, ア, …"""
    return numbering.label(int(depth), int(index))


@register.filter
def version_label(value: Any) -> Any:
    """Name a content version the one way people read it: 3 -> 第3版, 0 -> 保存前.

    Only for content versions (Section.content_version and what records it), never for the
    concurrency token `version`, which also counts transitions.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        return value
    return f"第{value}版" if value > 0 else "保存前"
