from datetime import date

import pytest

from akiruno.fiscal import (
    FISCAL_MONTH_ORDER,
    date_in_fiscal_year,
    fiscal_months,
    fiscal_year_of,
    fiscal_year_range,
)


@pytest.mark.parametrize(
    ("day", "fiscal_year"),
    [
        (date(2024, 4, 1), 2024),
        (date(2024, 3, 31), 2023),
        (date(2025, 3, 31), 2024),
        (date(2025, 4, 1), 2025),
        (date(2024, 12, 31), 2024),
        (date(2025, 1, 1), 2024),
        (date(2019, 4, 30), 2019),
        (date(2019, 5, 1), 2019),
    ],
)
def test_fiscal_year_of(day: date, fiscal_year: int) -> None:
    assert fiscal_year_of(day) == fiscal_year


@pytest.mark.parametrize(
    ("fiscal_year", "first", "last"),
    [
        (2024, date(2024, 4, 1), date(2025, 3, 31)),
        (2019, date(2019, 4, 1), date(2020, 3, 31)),
        (2023, date(2023, 4, 1), date(2024, 3, 31)),  # ends the day before a leap day year
    ],
)
def test_fiscal_year_range(fiscal_year: int, first: date, last: date) -> None:
    assert fiscal_year_range(fiscal_year) == (first, last)


def test_fiscal_months_run_april_to_march() -> None:
    months = fiscal_months(2024)

    assert months[0] == (2024, 4)
    assert months[8] == (2024, 12)
    assert months[9] == (2025, 1)
    assert months[-1] == (2025, 3)
    assert [month for _, month in months] == list(FISCAL_MONTH_ORDER)
    assert FISCAL_MONTH_ORDER == (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)


@pytest.mark.parametrize(
    ("day", "fiscal_year", "inside"),
    [
        (date(2024, 4, 1), 2024, True),
        (date(2025, 3, 31), 2024, True),
        (date(2024, 3, 31), 2024, False),
        (date(2025, 4, 1), 2024, False),
        (date(2025, 4, 1), 2025, True),
    ],
)
def test_date_in_fiscal_year(day: date, fiscal_year: int, inside: bool) -> None:
    assert date_in_fiscal_year(day, fiscal_year) is inside


@pytest.mark.parametrize("fiscal_year", [0, 9999, -1])
def test_fiscal_year_out_of_range_is_refused(fiscal_year: int) -> None:
    with pytest.raises(ValueError, match="扱えません"):
        fiscal_year_range(fiscal_year)


@pytest.mark.parametrize("fiscal_year", ["2024", True, 2024.0])
def test_fiscal_year_must_be_an_int(fiscal_year: object) -> None:
    with pytest.raises(TypeError):
        fiscal_months(fiscal_year)  # type: ignore[arg-type]
