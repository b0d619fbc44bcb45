"""Japanese era (和暦) dates: formatting for the report, parsing of what staff type.

Dates are stored as Gregorian ``datetime.date`` and printed in the era calendar:
令和６年１０月１５日 in running text and tables (full-width digits), 令和6年度 for fiscal years.
The first year of an era is written 元年. ``datetime`` values are treated as their date part.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Literal, NamedTuple

from django.core.exceptions import ValidationError

Digits = Literal["full", "half"]


class Era(NamedTuple):
    """An era: its name, its one-letter abbreviation and its first day (Gregorian)."""

    name: str
    letter: str
    start: date


ERAS: tuple[Era, ...] = (
    Era("明治", "M", date(1868, 10, 23)),
    Era("大正", "T", date(1912, 7, 30)),
    Era("昭和", "S", date(1926, 12, 25)),
    Era("平成", "H", date(1989, 1, 8)),
    Era("令和", "R", date(2019, 5, 1)),
)
_ERA_BY_NAME = {era.name: era for era in ERAS}
_ERA_BY_LETTER = {era.letter: era for era in ERAS}

ACCEPTED_DATE_FORMATS = "2024-10-15、2024/10/15、令和6年10月15日"

# --- character width -----------------------------------------------------------------------

_TO_FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
# The full-width forms of printable ASCII (U+FF01..U+FF5E) and the ideographic space: exactly
# the characters NFKC folds into ASCII without touching kana, kanji or 「」『』（） brackets
# other than the full-width ASCII parentheses.
_TO_HALFWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def to_fullwidth_digits(s: str) -> str:
    """Replace ASCII digits 0-9 with full-width digits ０-９; leave everything else."""
    return s.translate(_TO_FULLWIDTH_DIGITS)


def to_halfwidth(s: str) -> str:
    """Fold full-width ASCII (１２３, ＡＢＣ, ／, －, ，, ．, ％) and 　 into plain ASCII.

    Only the full-width ASCII block and the ideographic space change; kana, kanji, 「」 and
    other punctuation are left as they are (unlike a blanket NFKC, which would also turn ① into 1
    or ㍻ into 平成).
    """
    return s.translate(_TO_HALFWIDTH)


def quoted(text: str, limit: int = 40) -> str:
    """Quote user input in 「」 for an error message, shortening very long input."""
    text = text.strip()
    if len(text) > limit:
        text = text[:limit] + "…"
    return f"「{text}」"


# --- eras ----------------------------------------------------------------------------------


def _as_date(d: date) -> date:
    if isinstance(d, datetime):
        return d.date()
    if not isinstance(d, date):
        raise TypeError(f"日付（date）を指定してください（{d!r}）。")
    return d


def _era_end(era: Era) -> date | None:
    index = ERAS.index(era)
    if index + 1 == len(ERAS):
        return None
    return ERAS[index + 1].start - timedelta(days=1)


def _era_of(d: date) -> Era:
    for era in reversed(ERAS):
        if d >= era.start:
            return era
    raise ValueError(
        f"{d.isoformat()} は明治より前の日付のため和暦で表せません"
        f"（{ERAS[0].start.isoformat()} 以降に対応）。"
    )


def era_year(d: date) -> tuple[str, int]:
    """Return the era name and era year of a date (2019-05-01 -> ("令和", 1))."""
    d = _as_date(d)
    era = _era_of(d)
    return era.name, d.year - era.start.year + 1


# --- formatting ----------------------------------------------------------------------------


def _number(n: int, digits: Digits, pad: bool = False) -> str:
    if digits not in ("full", "half"):
        raise ValueError(f'digits は "full" か "half" を指定してください（{digits!r}）。')
    text = str(n)
    if digits == "full":
        text = to_fullwidth_digits(text)
    if pad and len(text) == 1:
        text = " " + text
    return text


def _era_year_text(name: str, year: int, digits: Digits, gannen: bool, pad: bool) -> str:
    if year == 1 and gannen:
        number = " 元" if pad else "元"
    else:
        number = _number(year, digits, pad)
    return f"{name}{number}年"


def format_era_year(
    d: date, *, digits: Digits = "full", gannen: bool = True, pad: bool = False
) -> str:
    """Format the era year of a date: 令和６年, 令和元年 (the year line of meeting tables)."""
    name, year = era_year(d)
    return _era_year_text(name, year, digits, gannen, pad)


def format_month_day(d: date, *, digits: Digits = "full", pad: bool = False) -> str:
    """Format month and day: １０月１５日; with ``pad``, ``６月 ４日`` (a space before 1 digit)."""
    d = _as_date(d)
    return f"{_number(d.month, digits, pad)}月{_number(d.day, digits, pad)}日"


def format_date(
    d: date,
    *,
    digits: Digits = "full",
    gannen: bool = True,
    pad: bool = False,
    pad_year: bool = False,
) -> str:
    """Format a date in 和暦: 令和６年１０月１５日, or 令和6年10月15日 with digits="half".

    The first year of an era is written 元年 unless ``gannen`` is false. ``pad`` puts one ASCII
    space before a one-digit month and day (令和６年 ６月 ４日), ``pad_year`` before a one-digit
    year (令和 ７年), as the printed tables do to align their columns.
    """
    d = _as_date(d)
    return format_era_year(d, digits=digits, gannen=gannen, pad=pad_year) + format_month_day(
        d, digits=digits, pad=pad
    )


def format_year_month(
    year: int, month: int, *, digits: Digits = "full", gannen: bool = True, pad: bool = False
) -> str:
    """Format a calendar month in 和暦: 令和６年４月.

    A month in which the era changed is named by the era in force on its last day, so
    2019-04 is 平成３１年４月 and 1989-01 is 平成元年１月.
    """
    if not 1 <= month <= 12:
        raise ValueError(f"月 {month} は 1～12 の範囲で指定してください。")
    last_day = date(year, month, calendar.monthrange(year, month)[1])
    month_text = _number(month, digits, pad)
    return f"{format_era_year(last_day, digits=digits, gannen=gannen)}{month_text}月"


def format_fiscal_year(fy: int, *, digits: Digits = "half", gannen: bool = True) -> str:
    """Format a fiscal year: 2024 -> 令和6年度, 2019 -> 令和元年度, 2018 -> 平成30年度.

    A fiscal year takes the name its calendar year (the one it starts in) has at the end of that
    year: the era that began during it wins. So FY2019, which starts in 平成31年 (April), is
    令和元年度, while FY1988, which ends in 平成元年 (March 1989), stays 昭和63年度.
    """
    if isinstance(fy, bool) or not isinstance(fy, int):
        raise TypeError(f"年度は整数で指定してください（{fy!r}）。")
    if not ERAS[0].start.year <= fy <= 9998:
        raise ValueError(f"年度 {fy} は和暦で表せません（{ERAS[0].start.year}年度以降に対応）。")
    name, year = era_year(date(fy, 12, 31))
    return _era_year_text(name, year, digits, gannen, pad=False) + "度"


def _span_parts(start: date, end: date, digits: Digits, gannen: bool) -> tuple[str, str] | None:
    """Return the texts of the two ends of a span, the repeated era-year and month left out."""
    start, end = _as_date(start), _as_date(end)
    if end < start:
        raise ValueError(
            f"期間の終わり（{end.isoformat()}）が始まり（{start.isoformat()}）より前です。"
        )
    if start == end:
        return None
    first = format_date(start, digits=digits, gannen=gannen)
    if era_year(start) != era_year(end):
        last = format_date(end, digits=digits, gannen=gannen)
    elif start.month != end.month:
        last = format_month_day(end, digits=digits)
    else:
        last = f"{_number(end.day, digits)}日"
    return first, last


def format_date_range(
    start: date, end: date, *, digits: Digits = "full", gannen: bool = True
) -> str:
    """Format a range of dates: 令和６年５月２３日～６月４日, 令和６年５月２３日～２５日.

    The era-year of the end is left out when it repeats, and its month too when it repeats.
    A range of one day is written as that day.
    """
    parts = _span_parts(start, end, digits, gannen)
    if parts is None:
        return format_date(start, digits=digits, gannen=gannen)
    return f"{parts[0]}～{parts[1]}"


def format_period(start: date, end: date, *, digits: Digits = "full", gannen: bool = True) -> str:
    """Format a period in running text: 令和６年４月１日から２５日まで.

    Same omissions as :func:`format_date_range`; a period of one day is written as that day.
    """
    parts = _span_parts(start, end, digits, gannen)
    if parts is None:
        return format_date(start, digits=digits, gannen=gannen)
    return f"{parts[0]}から{parts[1]}まで"


def format_date_column(
    dates: Iterable[date], *, digits: Digits = "full", gannen: bool = True, pad: bool = False
) -> list[tuple[str, str]]:
    """Format the date column of a table as (era-year, month-day) pairs.

    The era-year is given only on the first row of each year and is "" otherwise; the month
    is given only when it differs from the row above. For 2024-10-03, -06, -10, 2024-11-02:
    [("令和６年", "１０月３日"), ("", "６日"), ("", "１０日"), ("", "１１月２日")].
    """
    rows: list[tuple[str, str]] = []
    previous_year: tuple[str, int] | None = None
    previous_month: int | None = None
    for value in dates:
        d = _as_date(value)
        current_year = era_year(d)
        new_year = current_year != previous_year
        year_text = format_era_year(d, digits=digits, gannen=gannen) if new_year else ""
        day_text = f"{_number(d.day, digits, pad)}日"
        if new_year or d.month != previous_month:
            day_text = f"{_number(d.month, digits, pad)}月{day_text}"
        rows.append((year_text, day_text))
        previous_year, previous_month = current_year, d.month
    return rows


# --- parsing -------------------------------------------------------------------------------

_NUM = r"\s*([0-9]{1,2})\s*"
_GREGORIAN = re.compile(r"([0-9]{4})([-/])([0-9]{1,2})\2([0-9]{1,2})")
_GREGORIAN_KANJI = re.compile(rf"([0-9]{{4}})\s*年{_NUM}月{_NUM}日")
_WAREKI = re.compile(rf"(明治|大正|昭和|平成|令和)\s*([0-9]{{1,3}}|元)\s*年{_NUM}月{_NUM}日")
_WAREKI_SHORT = re.compile(r"([MTSHR])\s*([0-9]{1,3}|元)([./-])([0-9]{1,2})\3([0-9]{1,2})")
_MONTH_FIRST = re.compile(r"([0-9]{1,2})([-/])([0-9]{1,2})\2([0-9]{4})")


def _invalid(message: str, code: str = "invalid_date") -> ValidationError:
    return ValidationError(message, code=code)


def _build_date(year: int, month: int, day: int, shown: str) -> date:
    if not 1 <= month <= 12:
        raise _invalid(
            f"{shown}は日付として読めません：{month}月はありません。月は1～12で入力してください。"
        )
    if not 1 <= year <= 9999:
        raise _invalid(f"{shown}は日付として読めません：{year}年は扱えません。")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise _invalid(f"{shown}は存在しない日付です：{year}年{month}月は{last}日までです。")
    return date(year, month, day)


def _from_era(era: Era, year_text: str, month: int, day: int, shown: str) -> date:
    if year_text == "元":
        year = 1
    else:
        year = int(year_text)
        if year == 0:
            raise _invalid(
                f"{shown}は日付として読めません：{era.name}0年はありません（1年は元年）。"
            )
    d = _build_date(era.start.year + year - 1, month, day, shown)
    end = _era_end(era)
    if d < era.start:
        raise _invalid(
            f"{shown}は{era.name}の期間外です。{era.name}は"
            f"{era.start.year}年{era.start.month}月{era.start.day}日"
            f"（{era.name}元年{era.start.month}月{era.start.day}日）からです。",
            code="outside_era",
        )
    if end is not None and d > end:
        last_name, last_year = era_year(end)
        raise _invalid(
            f"{shown}は{era.name}の期間外です。{era.name}は{end.year}年{end.month}月{end.day}日"
            f"（{last_name}{last_year}年{end.month}月{end.day}日）までです。",
            code="outside_era",
        )
    return d


def parse_date(text: str) -> date:
    """Read a date typed by staff; raise ``ValidationError`` with a Japanese message otherwise.

    Accepted, with half- or full-width digits and surrounding spaces: 2024-10-15, 2024/10/15,
    2024年10月15日, 令和6年10月15日, 令和元年5月1日, R6.10.15 (also M/T/S/H, and / or - between).
    Refused: month-first order (10/15/2024), dates that do not exist (2024-02-30), era dates
    outside their era (令和1年4月30日) and dates before 明治, which the report cannot print.
    """
    if text is not None and not isinstance(text, str):
        raise TypeError(f"日付の文字列を指定してください（{text!r}）。")
    if text is None or not text.strip():
        raise _invalid(
            f"日付が入力されていません。{ACCEPTED_DATE_FORMATS} の形式で入力してください。",
            code="required",
        )
    shown = quoted(text)
    normal = to_halfwidth(text).strip()

    if m := _GREGORIAN.fullmatch(normal):
        d = _build_date(int(m[1]), int(m[3]), int(m[4]), shown)
    elif m := _GREGORIAN_KANJI.fullmatch(normal):
        d = _build_date(int(m[1]), int(m[2]), int(m[3]), shown)
    elif m := _WAREKI.fullmatch(normal):
        return _from_era(_ERA_BY_NAME[m[1]], m[2], int(m[3]), int(m[4]), shown)
    elif m := _WAREKI_SHORT.fullmatch(normal.upper()):
        return _from_era(_ERA_BY_LETTER[m[1]], m[2], int(m[4]), int(m[5]), shown)
    elif m := _MONTH_FIRST.fullmatch(normal):
        raise _invalid(
            f"{shown}は月/日/年の順に見えます。年を先頭に、{m[4]}/{m[1]}/{m[3]} のように"
            f"年/月/日の順で入力してください。"
        )
    else:
        raise _invalid(
            f"{shown}は日付として読めません。{ACCEPTED_DATE_FORMATS} の形式で入力してください。"
        )
    if d < ERAS[0].start:
        first = ERAS[0].start
        raise _invalid(
            f"{shown}は明治より前の日付のため扱えません。"
            f"{first.year}年{first.month}月{first.day}日以降の日付を入力してください。",
            code="outside_era",
        )
    return d
