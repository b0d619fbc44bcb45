"""Fiscal-year (年度) helpers.

A Japanese municipal fiscal year runs from 1 April to 31 March and is named after the calendar
year in which it starts: FY2024 (令和6年度) is 2024-04-01 to 2025-03-31.
"""

from __future__ import annotations

from datetime import date

FISCAL_MONTH_ORDER: tuple[int, ...] = (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)
"""Months in the order monthly tables print them: ４月 … １２月, １月 … ３月."""

FIRST_FISCAL_YEAR = 1
LAST_FISCAL_YEAR = 9998  # FY9998 ends 9999-03-31, the last date Python can hold after it.


def _check_fiscal_year(fy: int) -> None:
    if isinstance(fy, bool) or not isinstance(fy, int):
        raise TypeError(f"年度は整数で指定してください（{fy!r}）。")
    if not FIRST_FISCAL_YEAR <= fy <= LAST_FISCAL_YEAR:
        raise ValueError(
            f"年度 {fy} は扱えません。"
            f"{FIRST_FISCAL_YEAR}～{LAST_FISCAL_YEAR} の範囲で指定してください。"
        )


def fiscal_year_of(d: date) -> int:
    """Return the fiscal year a date belongs to (2025-03-31 -> 2024, 2024-04-01 -> 2024)."""
    return d.year if d.month >= 4 else d.year - 1


def fiscal_year_range(fy: int) -> tuple[date, date]:
    """Return the first and last day of a fiscal year (2024 -> 2024-04-01, 2025-03-31)."""
    _check_fiscal_year(fy)
    return date(fy, 4, 1), date(fy + 1, 3, 31)


def fiscal_months(fy: int) -> list[tuple[int, int]]:
    """Return the (year, month) pairs of a fiscal year in fiscal order, April first."""
    _check_fiscal_year(fy)
    return [(fy if month >= 4 else fy + 1, month) for month in FISCAL_MONTH_ORDER]


def date_in_fiscal_year(d: date, fy: int) -> bool:
    """Tell whether a date falls within the given fiscal year."""
    _check_fiscal_year(fy)
    return fiscal_year_of(d) == fy
