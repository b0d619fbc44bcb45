"""Numbers as staff type them and as the report prints them.

Input: staff type full-width digits, commas (1,234 or １，２３４), △ or ▲ for negatives and a
円 / 千円 suffix; "－" means "no value". Output: half-width digits with commas in tables
(8,479,247), full-width digits with a full-width comma in running text (４，１１９票), △ for
negatives (△16,658), never a minus sign. Money and ratios are ``int`` and ``Decimal``; no floats.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Literal

from django.core.exceptions import ValidationError

from akiruno.wareki import quoted, to_fullwidth_digits, to_halfwidth

Digits = Literal["full", "half"]

MAX_ABS = 10**15
"""The largest absolute value accepted (1,000兆): far above any city's figures, in 円 or 千円."""

UNITS = ("円", "千円")

NO_VALUE_MARKS = frozenset({"", "-", "－", "―", "—", "‐", "−", "ー"})
"""What staff type, or tables print, for "no value" (the report prints －)."""

# After to_halfwidth: "－" is already "-". "−" is U+2212 MINUS SIGN.
_SIGNS = "-−△▲"
_NUMBER = re.compile(
    rf"(?P<signs>[{_SIGNS}\s]*)(?P<body>[0-9.,]*[0-9][0-9.,]*)\s*(?P<suffix>%|千円|円)?"
)
_PLAIN = re.compile(r"[0-9]+")
_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+")
_FRACTION = re.compile(r"\.[0-9]+")
_INTEGER_EXAMPLES = "1234、1,234、１，２３４、△1,234 のように入力してください。"
_DECIMAL_EXAMPLES = "3.3、３．３、3.3%、△1.2 のように入力してください。"


def _invalid(message: str, code: str = "invalid_number") -> ValidationError:
    return ValidationError(message, code=code)


def _check_range(value: int | Decimal, shown: str, what: str) -> None:
    if not -MAX_ABS <= value <= MAX_ABS:  # exact for Decimal too, unlike abs()
        raise _invalid(
            f"{what}が大きすぎます：{shown}。扱えるのは絶対値 {MAX_ABS:,} までです。",
            code="too_large",
        )


def _split(text: str, shown: str, what: str, examples: str) -> tuple[bool, str, str | None]:
    """Split typed text into (negative, digits with commas and point, suffix)."""
    normal = to_halfwidth(text).strip()
    if not normal:
        raise _invalid(f"{what}が入力されていません。{examples}", code="required")
    match = _NUMBER.fullmatch(normal)
    if match is None:
        raise _invalid(f"{shown}は{what}として読めません。{examples}")
    signs = re.sub(r"\s", "", match["signs"])
    if len(signs) > 1:
        raise _invalid(f"{shown}には符号が複数あります。負の値は △1,234 のように入力してください。")
    return bool(signs), match["body"], match["suffix"]


def _check_commas(whole: str, shown: str) -> None:
    if not (_PLAIN.fullmatch(whole) or _GROUPED.fullmatch(whole)):
        raise _invalid(
            f"{shown}のカンマの位置が正しくありません。1,234,567 のように3桁ごとに区切るか、"
            "カンマなしで入力してください。"
        )


def _parse_integer_text(text: str, *, allow_negative: bool, what: str) -> tuple[int, str | None]:
    shown = quoted(text)
    negative, body, suffix = _split(text, shown, what, _INTEGER_EXAMPLES)
    if suffix == "%":
        raise _invalid(f"{shown}は{what}として読めません。{_INTEGER_EXAMPLES}")
    if "." in body:
        fraction = body.partition(".")[2]
        if _FRACTION.fullmatch("." + fraction):
            raise _invalid(
                f"{shown}は整数ではありません。小数は入力できません。", code="not_integer"
            )
        raise _invalid(f"{shown}は{what}として読めません。{_INTEGER_EXAMPLES}")
    _check_commas(body, shown)
    digits = body.replace(",", "").lstrip("0") or "0"
    if len(digits) > len(str(MAX_ABS)):  # refuse before int() reads an absurdly long string
        _check_range(MAX_ABS + 1, shown, what)
    value = -int(digits) if negative else int(digits)
    _check_range(value, shown, what)
    if value < 0 and not allow_negative:
        raise _invalid(f"{shown}：負の値は入力できません。", code="negative")
    return value, suffix


def _parse_int_value(value: int, *, allow_negative: bool, what: str) -> int:
    shown = quoted(str(value))
    _check_range(value, shown, what)
    if value < 0 and not allow_negative:
        raise _invalid(f"{shown}：負の値は入力できません。", code="negative")
    return value


def _check_type(value: object, allowed: tuple[type, ...]) -> None:
    if isinstance(value, bool) or not isinstance(value, allowed):
        names = "、".join(t.__name__ for t in allowed)
        raise TypeError(f"{names} を指定してください（{value!r}）。")


def parse_integer(text: str | int, *, allow_negative: bool = True) -> int:
    """Read an integer typed by staff (1,234, １，２３４, △16,658, ▲16,658, -16658, 3,960,000円).

    A 円 or 千円 suffix is dropped, never used to rescale; use :func:`parse_amount` to check it
    against a column's unit. Refuses blanks, decimals, text, misplaced commas, several signs and
    values beyond ±10**15 with a ``ValidationError`` naming the input.
    """
    _check_type(text, (str, int))
    if isinstance(text, int):
        return _parse_int_value(text, allow_negative=allow_negative, what="数値")
    return _parse_integer_text(text, allow_negative=allow_negative, what="数値")[0]


def parse_optional_integer(text: str | int | None, *, allow_negative: bool = True) -> int | None:
    """Like :func:`parse_integer`, but blank, "－", "-" or "―" mean no value (``None``)."""
    if text is None or (isinstance(text, str) and to_halfwidth(text).strip() in NO_VALUE_MARKS):
        return None
    return parse_integer(text, allow_negative=allow_negative)


def _check_unit(unit: str | None) -> None:
    if unit is not None and unit not in UNITS:
        raise ValueError(f"単位は {' か '.join(UNITS)} を指定してください（{unit!r}）。")


def parse_amount_with_unit(text: str | int) -> tuple[int, str | None]:
    """Read an amount and return it with the unit typed after it (円, 千円 or ``None``)."""
    _check_type(text, (str, int))
    if isinstance(text, int):
        return _parse_int_value(text, allow_negative=True, what="金額"), None
    return _parse_integer_text(text, allow_negative=True, what="金額")


def parse_amount(text: str | int, *, unit: str | None = None) -> int:
    """Read an amount of money; a 円 / 千円 suffix is accepted and checked.

    With ``unit`` given (the column's unit, 円 or 千円), a different suffix is refused: a value
    is never rescaled, so "3,960,000円" cannot slip into a 千円 column.
    """
    _check_unit(unit)
    value, typed_unit = parse_amount_with_unit(text)
    if unit is not None and typed_unit is not None and typed_unit != unit:
        raise _invalid(
            f"単位が違います：{unit}の欄に{typed_unit}単位の値{quoted(str(text))}が入力されました。"
            f"{unit}単位に直して入力してください（自動では換算しません）。",
            code="unit_mismatch",
        )
    return value


def parse_optional_amount(text: str | int | None, *, unit: str | None = None) -> int | None:
    """Like :func:`parse_amount`, but blank, "－", "-" or "―" mean no value (``None``)."""
    if text is None or (isinstance(text, str) and to_halfwidth(text).strip() in NO_VALUE_MARKS):
        _check_unit(unit)
        return None
    return parse_amount(text, unit=unit)


def parse_decimal(text: str | int | Decimal) -> Decimal:
    """Read a ratio or other decimal (3.3, ３．３, 3.3%, ３．３％, △1.2) as an exact ``Decimal``.

    The digits are kept as typed (3.30 stays Decimal("3.30")); a % sign is dropped.
    """
    _check_type(text, (str, int, Decimal))
    if isinstance(text, Decimal):
        if not text.is_finite():
            raise _invalid(f"{quoted(str(text))}は数値として読めません。{_DECIMAL_EXAMPLES}")
        _check_range(text, quoted(str(text)), "数値")
        return text
    if isinstance(text, int):
        return Decimal(_parse_int_value(text, allow_negative=True, what="数値"))
    shown = quoted(text)
    negative, body, suffix = _split(text, shown, "数値", _DECIMAL_EXAMPLES)
    if suffix in UNITS:
        raise _invalid(f"{shown}は数値として読めません。{_DECIMAL_EXAMPLES}")
    whole, point, fraction = body.partition(".")
    if point and not _FRACTION.fullmatch(point + fraction):
        raise _invalid(f"{shown}は数値として読めません。{_DECIMAL_EXAMPLES}")
    if whole:
        _check_commas(whole, shown)
    whole_digits = whole.replace(",", "").lstrip("0") or "0"
    if len(whole_digits) > len(str(MAX_ABS)):
        _check_range(MAX_ABS + 1, shown, "数値")
    value = Decimal(f"{'-' if negative else ''}{whole_digits}{point}{fraction}")
    _check_range(value, shown, "数値")
    return value if value else value.copy_abs()  # △0.0 is plain 0.0


def _localise(text: str, digits: Digits) -> str:
    if digits == "half":
        return text
    if digits == "full":
        return to_fullwidth_digits(text).replace(",", "，").replace(".", "．")
    raise ValueError(f'digits は "full" か "half" を指定してください（{digits!r}）。')


def format_integer(
    n: int | None, *, digits: Digits = "half", negative: str = "△", none: str = "－"
) -> str:
    """Format an integer as the report prints it: 8,479,247, △16,658, and － for ``None``.

    ``digits="full"`` gives running-text style: ８，４７９，２４７.
    """
    if n is None:
        return none
    _check_type(n, (int,))
    text = _localise(f"{abs(n):,}", digits)
    return f"{negative}{text}" if n < 0 else text


def format_decimal(
    d: Decimal | int | None,
    places: int = 1,
    *,
    digits: Digits = "half",
    negative: str = "△",
    none: str = "－",
) -> str:
    """Format a decimal to ``places`` places, rounding half up (ROUND_HALF_UP): 3.3, △1.2.

    Half up means away from zero on a tie: 0.05 -> 0.1 and -0.05 -> △0.1. A value that rounds
    to zero is printed without a sign (0.0). ``None`` is printed as －.
    """
    if d is None:
        return none
    _check_type(d, (Decimal, int))
    _check_type(places, (int,))
    if places < 0:
        raise ValueError(f"小数の桁数は 0 以上で指定してください（{places}）。")
    value = Decimal(d)
    if not value.is_finite():
        raise ValueError(f"有限の値を指定してください（{d!r}）。")
    with localcontext() as context:  # enough precision that quantize never fails on large values
        context.prec = max(28, value.adjusted() + places + 2)
        rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = _localise(f"{rounded.copy_abs():,f}", digits)
    return f"{negative}{text}" if rounded < 0 else text


def ratio_percent(numer: int, denom: int, places: int = 1) -> Decimal | None:
    """Return numer / denom × 100 rounded half up to ``places`` places; ``None`` if denom is 0.

    The division is done exactly on integers, so the rounding is never thrown off by binary or
    limited-precision arithmetic: 495056 / 14868612 -> Decimal("3.3"), 1 / 2000 -> Decimal("0.1").
    """
    _check_type(numer, (int,))
    _check_type(denom, (int,))
    _check_type(places, (int,))
    if places < 0:
        raise ValueError(f"小数の桁数は 0 以上で指定してください（{places}）。")
    if denom == 0:
        return None
    scaled = abs(numer) * 100 * 10**places
    quotient, remainder = divmod(scaled, abs(denom))
    if 2 * remainder >= abs(denom):
        quotient += 1
    if (numer < 0) != (denom < 0):
        quotient = -quotient
    return Decimal(quotient).scaleb(-places)


def count_text(n: int, unit: str) -> str:
    """Write a count as running text does: ２回, ３１８件, ４，１１９票."""
    return format_integer(n, digits="full") + unit
