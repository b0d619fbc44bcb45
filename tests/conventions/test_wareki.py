from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from akiruno.wareki import (
    era_year,
    format_date,
    format_date_column,
    format_date_range,
    format_era_year,
    format_fiscal_year,
    format_month_day,
    format_period,
    format_year_month,
    parse_date,
    quoted,
    to_fullwidth_digits,
    to_halfwidth,
)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2019, 4, 30), ("平成", 31)),
        (date(2019, 5, 1), ("令和", 1)),
        (date(2024, 10, 15), ("令和", 6)),
        (date(1989, 1, 7), ("昭和", 64)),
        (date(1989, 1, 8), ("平成", 1)),
        (date(1926, 12, 24), ("大正", 15)),
        (date(1926, 12, 25), ("昭和", 1)),
        (date(1912, 7, 29), ("明治", 45)),
        (date(1912, 7, 30), ("大正", 1)),
        (date(1868, 10, 23), ("明治", 1)),
        (datetime(2019, 5, 1, 0, 0), ("令和", 1)),
    ],
)
def test_era_year(day: date, expected: tuple[str, int]) -> None:
    assert era_year(day) == expected


def test_era_year_before_meiji_is_refused() -> None:
    with pytest.raises(ValueError, match="明治より前"):
        era_year(date(1868, 10, 22))


@pytest.mark.parametrize(
    ("day", "options", "expected"),
    [
        (date(2024, 10, 15), {}, "令和６年１０月１５日"),
        (date(2024, 10, 15), {"digits": "half"}, "令和6年10月15日"),
        (date(2019, 5, 1), {}, "令和元年５月１日"),
        (date(2019, 5, 1), {"gannen": False}, "令和１年５月１日"),
        (date(2019, 5, 1), {"digits": "half"}, "令和元年5月1日"),
        (date(2019, 4, 30), {}, "平成３１年４月３０日"),
        (date(1989, 1, 7), {}, "昭和６４年１月７日"),
        (date(1989, 1, 8), {}, "平成元年１月８日"),
        (date(2030, 3, 31), {}, "令和１２年３月３１日"),
        (date(2024, 6, 4), {"pad": True}, "令和６年 ６月 ４日"),
        (date(2024, 10, 15), {"pad": True}, "令和６年１０月１５日"),
        (date(2025, 4, 1), {"pad": True, "pad_year": True}, "令和 ７年 ４月 １日"),
        (date(2025, 4, 1), {"pad_year": True}, "令和 ７年４月１日"),
        (date(2030, 4, 1), {"pad_year": True}, "令和１２年４月１日"),
        (date(2024, 6, 4), {"pad": True, "digits": "half"}, "令和6年 6月 4日"),
        (datetime(2024, 10, 15, 23, 59), {}, "令和６年１０月１５日"),
    ],
)
def test_format_date(day: date, options: dict, expected: str) -> None:
    assert format_date(day, **options) == expected


def test_format_date_refuses_unknown_digits() -> None:
    with pytest.raises(ValueError, match="digits"):
        format_date(date(2024, 1, 1), digits="wide")  # type: ignore[arg-type]


def test_format_era_year_and_month_day() -> None:
    assert format_era_year(date(2024, 6, 4)) == "令和６年"
    assert format_era_year(date(2019, 6, 4)) == "令和元年"
    assert format_month_day(date(2024, 6, 4)) == "６月４日"
    assert format_month_day(date(2024, 6, 4), pad=True) == " ６月 ４日"
    assert format_month_day(date(2024, 10, 15), pad=True) == "１０月１５日"
    assert format_month_day(date(2024, 8, 28), digits="half") == "8月28日"


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [
        (2024, 4, "令和６年４月"),
        (2025, 3, "令和７年３月"),
        (2019, 4, "平成３１年４月"),
        (2019, 5, "令和元年５月"),
        (1989, 1, "平成元年１月"),  # named by the era in force at the end of the month
    ],
)
def test_format_year_month(year: int, month: int, expected: str) -> None:
    assert format_year_month(year, month) == expected


def test_format_year_month_refuses_month_13() -> None:
    with pytest.raises(ValueError, match="13"):
        format_year_month(2024, 13)


@pytest.mark.parametrize(
    ("fiscal_year", "options", "expected"),
    [
        (2024, {}, "令和6年度"),
        (2024, {"digits": "full"}, "令和６年度"),
        (2020, {}, "令和2年度"),
        (2019, {}, "令和元年度"),
        (2019, {"gannen": False}, "令和1年度"),
        (2018, {}, "平成30年度"),
        (1989, {}, "平成元年度"),
        (1988, {}, "昭和63年度"),
    ],
)
def test_format_fiscal_year(fiscal_year: int, options: dict, expected: str) -> None:
    assert format_fiscal_year(fiscal_year, **options) == expected


@pytest.mark.parametrize("fiscal_year", [1867, 9999])
def test_format_fiscal_year_out_of_range(fiscal_year: int) -> None:
    with pytest.raises(ValueError, match=str(fiscal_year)):
        format_fiscal_year(fiscal_year)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2024, 5, 23), date(2024, 6, 4), "令和６年５月２３日～６月４日"),
        (date(2024, 5, 23), date(2024, 5, 25), "令和６年５月２３日～２５日"),
        (date(2024, 7, 19), date(2024, 8, 13), "令和６年７月１９日～８月１３日"),
        (date(2024, 12, 20), date(2025, 1, 10), "令和６年１２月２０日～令和７年１月１０日"),
        (date(2019, 4, 30), date(2019, 5, 1), "平成３１年４月３０日～令和元年５月１日"),
        (date(2024, 5, 23), date(2024, 5, 23), "令和６年５月２３日"),
    ],
)
def test_format_date_range(start: date, end: date, expected: str) -> None:
    assert format_date_range(start, end) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2024, 4, 1), date(2024, 4, 25), "令和６年４月１日から２５日まで"),
        (date(2024, 6, 1), date(2024, 6, 28), "令和６年６月１日から２８日まで"),
        (date(2024, 7, 22), date(2024, 8, 16), "令和６年７月２２日から８月１６日まで"),
        (date(2024, 10, 1), date(2025, 3, 31), "令和６年１０月１日から令和７年３月３１日まで"),
        (date(2024, 4, 1), date(2024, 4, 1), "令和６年４月１日"),
    ],
)
def test_format_period(start: date, end: date, expected: str) -> None:
    assert format_period(start, end) == expected


def test_period_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="より前"):
        format_period(date(2024, 4, 25), date(2024, 4, 1))


def test_format_date_column_shows_year_and_month_only_when_they_change() -> None:
    # The event table of the excerpt: 令和６年１０月 ３日 / ６日 / １０日 / １１月 ２日.
    dates = [date(2024, 10, 3), date(2024, 10, 6), date(2024, 10, 10), date(2024, 11, 2)]

    assert format_date_column(dates, pad=True) == [
        ("令和６年", "１０月 ３日"),
        ("", " ６日"),
        ("", "１０日"),
        ("", "１１月 ２日"),
    ]


def test_format_date_column_repeats_the_month_in_a_new_year() -> None:
    dates = [date(2024, 6, 4), date(2024, 8, 28), date(2025, 8, 1), date(2019, 4, 30)]

    assert format_date_column(dates) == [
        ("令和６年", "６月４日"),
        ("", "８月２８日"),
        ("令和７年", "８月１日"),
        ("平成３１年", "４月３０日"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-10-15", date(2024, 10, 15)),
        ("2024/10/15", date(2024, 10, 15)),
        ("2024/1/5", date(2024, 1, 5)),
        ("2024年10月15日", date(2024, 10, 15)),
        ("  2024-10-15\n", date(2024, 10, 15)),
        ("２０２４／１０／１５", date(2024, 10, 15)),
        ("２０２４－１０－１５", date(2024, 10, 15)),
        ("　2024-10-15　", date(2024, 10, 15)),
        ("令和6年10月15日", date(2024, 10, 15)),
        ("令和６年１０月１５日", date(2024, 10, 15)),
        ("令和 ７年４月 １日", date(2025, 4, 1)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("令和1年5月1日", date(2019, 5, 1)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("昭和64年1月7日", date(1989, 1, 7)),
        ("R6.10.15", date(2024, 10, 15)),
        ("r6.10.15", date(2024, 10, 15)),
        ("Ｒ６．１０．１５", date(2024, 10, 15)),
        ("R元.5.1", date(2019, 5, 1)),
        ("H31/4/30", date(2019, 4, 30)),
        ("2024-02-29", date(2024, 2, 29)),
    ],
)
def test_parse_date_accepts(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("10/15/2024", "「10/15/2024」は月/日/年の順に見えます。年を先頭に、2024/10/15"),
        ("１０／１５／２０２４", "月/日/年の順"),
        ("2024-02-30", "「2024-02-30」は存在しない日付です：2024年2月は29日までです。"),
        ("2023-02-29", "2023年2月は28日までです"),
        ("2024/13/01", "「2024/13/01」は日付として読めません：13月はありません。"),
        ("2024/00/10", "0月はありません"),
        ("令和6年2月30日", "存在しない日付"),
        ("令和1年4月30日", "「令和1年4月30日」は令和の期間外です。令和は2019年5月1日"),
        ("令和元年4月30日", "令和の期間外"),
        ("平成31年5月1日", "「平成31年5月1日」は平成の期間外です。平成は2019年4月30日"),
        ("平成0年1月8日", "平成0年はありません"),
        ("昭和64年1月8日", "昭和の期間外"),
        ("1800-01-01", "明治より前"),
        ("2024.10.15", "2024-10-15、2024/10/15、令和6年10月15日 の形式で入力してください。"),
        ("2024-10/15", "日付として読めません"),
        ("24-10-15", "日付として読めません"),
        ("昨日", "「昨日」は日付として読めません"),
        ("2024-10-15 10:00", "日付として読めません"),
        ("", "日付が入力されていません"),
        ("   ", "日付が入力されていません"),
    ],
)
def test_parse_date_refuses(text: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_date(text)

    assert message in caught.value.messages[0]


def test_parse_date_refuses_non_strings() -> None:
    with pytest.raises(TypeError):
        parse_date(20241015)  # type: ignore[arg-type]


def test_error_messages_shorten_long_input() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_date("x" * 1000)

    assert len(caught.value.messages[0]) < 150
    assert quoted("x" * 50).endswith("…」")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("２０２４／１０／１５", "2024/10/15"),
        ("ＡＢＣ　ｘｙｚ", "ABC xyz"),
        ("－１，２３４．５％", "-1,234.5%"),
        ("「令和」（注）", "「令和」(注)"),
        ("アイウ①㍻〜", "アイウ①㍻〜"),
    ],
)
def test_to_halfwidth(text: str, expected: str) -> None:
    assert to_halfwidth(text) == expected


def test_to_fullwidth_digits() -> None:
    assert to_fullwidth_digits("令和6年10月, R6") == "令和６年１０月, R６"


@settings(database=None)
@given(
    day=st.dates(min_value=date(1989, 1, 8), max_value=date(2099, 12, 31)),
    digits=st.sampled_from(["full", "half"]),
    gannen=st.booleans(),
    pad=st.booleans(),
    pad_year=st.booleans(),
)
def test_parse_date_reads_back_format_date(
    day: date, digits: str, gannen: bool, pad: bool, pad_year: bool
) -> None:
    text = format_date(day, digits=digits, gannen=gannen, pad=pad, pad_year=pad_year)  # type: ignore[arg-type]

    assert parse_date(text) == day
