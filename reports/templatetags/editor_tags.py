"""Small helpers for the editor templates."""

from typing import Any

from django import template

register = template.Library()


@register.filter
def get(mapping: Any, key: Any) -> Any:
    """{{ errors|get:"cell-3-1" }}: a dict lookup with a computed key."""
    if isinstance(mapping, dict):
        return mapping.get(key, mapping.get(str(key), ""))
    if isinstance(mapping, list | tuple):
        try:
            return mapping[int(key)]
        except (ValueError, IndexError):
            return ""
    return ""


@register.simple_tag
def key(*parts: Any) -> str:
    """{% key "cell" r j as name %} → "cell-3-1"."""
    return "-".join(str(p) for p in parts)


@register.filter
def add1(value: Any) -> Any:
    try:
        return int(value) + 1
    except (TypeError, ValueError):
        return value
