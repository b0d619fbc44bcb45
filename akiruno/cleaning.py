"""The one cleaning toolkit: read raw input (JSON, a form, a paste, a spreadsheet), collect every
problem at a JSON-pointer place, and return the value normalised.

Every cleaner takes `(value, where, errors, *, what=…)`: `where` is the JSON pointer of the value
(`/entries/3/value`), `what` the name people know it by (「交付額」); messages read
「交付額を入力してください。」 with a name and 「入力してください。」 without one. A cleaner never
raises for bad input: it adds the problem to `errors` and returns a harmless default, so one pass
reports everything; the caller ends with `errors.raise_if_any(...)`.

Used by the block kinds (reports, meetings, finance), the meetings records and the finance
records alike, so a key, a text limit or an amount means the same everywhere.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from akiruno import numbers, wareki
from akiruno.exceptions import InvalidInput

KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")
"""A record key (meeting body, account, table, fund …): half-width lower-case letters, digits,
hyphens and underscores, starting with a letter or digit, as a Django SlugField holds it."""

UNITS = ("千円", "円")


class Errors:
    """Every problem found, each at a JSON-pointer place (the first message per place wins).

    `Errors(into=some_dict)` collects into an existing dict (cleaners that report by field name).
    """

    def __init__(self, into: dict[str, str] | None = None) -> None:
        self.items: dict[str, str] = into if into is not None else {}

    def add(self, where: str, message: str) -> None:
        self.items.setdefault(where, message)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def raise_if_any(self, what: str) -> None:
        if self.items:
            raise InvalidInput(
                f"{what}の入力内容に誤りがあります（{len(self.items)}件）。",
                details=dict(self.items),
            )


def message_of(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def blank(value: Any) -> bool:
    """None, empty, or a printed "no value" mark (－, -, ―)."""
    return value is None or (
        isinstance(value, str) and wareki.to_halfwidth(value).strip() in numbers.NO_VALUE_MARKS
    )


def _named(what: str, particle: str, message: str) -> str:
    return f"{what}{particle}{message}" if what else message


def text(
    value: Any,
    where: str,
    errors: Errors,
    *,
    what: str = "",
    required: bool = False,
    limit: int = 200,
    squeeze: bool = False,
    numbers_as_text: bool = False,
) -> str:
    """A text: newlines normalised, stripped; `squeeze` removes every space (款 names are printed
    letter-spaced); `numbers_as_text` reads 12 or 1.5 from a spreadsheet as "12", "1.5"."""
    if value is None:
        value = ""
    if numbers_as_text and isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        errors.add(where, _named(what, "は", "文字で入力してください。"))
        return ""
    value = value.replace("\r\n", "\n").strip()
    if squeeze:
        value = re.sub(r"\s+", "", value)
    if required and not value:
        errors.add(where, _named(what, "を", "入力してください。"))
    elif len(value) > limit:
        errors.add(
            where,
            _named(what, "は", f"{limit:,}文字以内で入力してください（{len(value):,}文字）。"),
        )
    return value


def integer(
    value: Any,
    where: str,
    errors: Errors,
    *,
    what: str = "",
    required: bool = False,
    default: int | None = None,
    low: int | None = None,
    high: int | None = None,
) -> int | None:
    """An integer as staff type it (全角, カンマ, △); blank gives `default` (an error if required)."""
    if blank(value):
        if required:
            errors.add(where, _named(what, "を", "入力してください。"))
        return default
    if isinstance(value, bool) or not isinstance(value, int | str):
        errors.add(where, _named(what, "は", "整数で入力してください。"))
        return default
    try:
        parsed = numbers.parse_integer(value)
    except ValidationError as exc:
        errors.add(where, _named(what, "：", message_of(exc)))
        return default
    if (low is not None and parsed < low) or (high is not None and parsed > high):
        errors.add(where, _named(what, "は", f"{low}～{high:,}で入力してください（{parsed:,}）。"))
        return default
    return parsed


def amount(
    value: Any,
    where: str,
    errors: Errors,
    *,
    what: str,
    unit: str | None,
    required: bool = False,
    negative: bool = True,
) -> int | None:
    """An amount: an int, or text as staff type it (全角, カンマ, △/▲, 円/千円 checked against
    `unit`); never a decimal."""
    if blank(value):
        if required:
            errors.add(where, f"{what}を入力してください。")
        return None
    if isinstance(value, bool):
        errors.add(where, f"{what}は整数で入力してください。")
        return None
    if isinstance(value, float | Decimal):
        errors.add(where, f"{what}：「{value}」は整数ではありません。小数は入力できません。")
        return None
    if not isinstance(value, int | str):
        errors.add(where, f"{what}は整数で入力してください。")
        return None
    try:
        parsed = numbers.parse_amount(value, unit=unit if unit in UNITS else None)
    except ValidationError as exc:
        errors.add(where, f"{what}：{message_of(exc)}")
        return None
    if parsed < 0 and not negative:
        shown = numbers.format_integer(parsed)
        errors.add(where, f"{what}：負の値（{shown}）は入力できません。")
        return None
    return parsed


def choice(value: Any, where: str, errors: Errors, *, what: str, choices: dict[str, str]) -> str:
    """One of `choices` (key → label), given by key or by label; else the first, with an error."""
    if value in choices:
        return value
    for key, label in choices.items():
        if value == label:
            return key
    options = "、".join(f"{k}（{v}）" if k != v else k for k, v in choices.items())
    errors.add(where, f"{what}「{value}」は使えません。使えるもの: {options}")
    return next(iter(choices))


def option(value: Any, where: str, errors: Errors, *, allowed: Any, default: Any, message: str):
    """A value from a fixed set (a style, a layout); missing gives `default`, anything else an
    error with the given `message`."""
    if value is None:
        return default
    if value not in allowed:
        errors.add(where, message)
        return default
    return value


def is_key(value: Any, *, limit: int = 50) -> bool:
    return isinstance(value, str) and len(value) <= limit and bool(KEY_PATTERN.fullmatch(value))


def key(value: Any, where: str, errors: Errors, *, message: str, limit: int = 50) -> str:
    """A record key (see KEY_PATTERN) of at most `limit` characters; `message` names the record."""
    if not is_key(value, limit=limit):
        errors.add(where, message)
        return value if isinstance(value, str) else ""
    return value


def mapping(value: Any, where: str, errors: Errors, *, message: str) -> dict:
    """An object (None is empty); anything else is an error at `where`."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.add(where, message)
        return {}
    return value


def block_data(data: Any, errors: Errors) -> dict:
    """A block's data as a dict (None is empty); anything else is an error at the root."""
    return mapping(data, "", errors, message="ブロックの内容はオブジェクトで指定してください。")
