from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from akiruno.numbers import (
    MAX_ABS,
    count_text,
    format_decimal,
    format_integer,
    parse_amount,
    parse_amount_with_unit,
    parse_decimal,
    parse_integer,
    parse_optional_amount,
    parse_optional_integer,
    ratio_percent,
)


def _message(caught: pytest.ExceptionInfo[ValidationError]) -> str:
    return caught.value.messages[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234", 1234),
        ("1,234", 1234),
        ("8,479,247", 8479247),
        ("１２３４", 1234),
        ("１，２３４", 1234),
        ("  1,234 ", 1234),
        ("　１，２３４　", 1234),
        ("△16,658", -16658),
        ("▲16,658", -16658),
        ("△ 16,658", -16658),
        ("-16658", -16658),
        ("－16658", -16658),
        ("－１６，６５８", -16658),
        ("−16658", -16658),
        ("0", 0),
        ("△0", 0),
        ("007", 7),
        ("3,960,000円", 3960000),
        ("３，９６０，０００円", 3960000),
        ("1,000千円", 1000),
        ("1,000 円", 1000),
        (str(MAX_ABS), MAX_ABS),
        (f"△{MAX_ABS:,}", -MAX_ABS),
        (1234, 1234),
        (-5, -5),
    ],
)
def test_parse_integer_accepts(text: str | int, expected: int) -> None:
    assert parse_integer(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1.5", "「1.5」は整数ではありません。小数は入力できません。"),
        ("１．５", "「１．５」は整数ではありません"),
        ("1,234.0", "小数は入力できません"),
        ("abc", "「abc」は数値として読めません。1234、1,234、１，２３４、△1,234"),
        ("1,23a", "「1,23a」は数値として読めません"),
        ("12,34", "「12,34」のカンマの位置が正しくありません"),
        ("1,2345", "カンマの位置"),
        (",123", "カンマの位置"),
        ("1 234", "数値として読めません"),
        ("1.2.3", "数値として読めません"),
        ("△-5", "「△-5」には符号が複数あります"),
        ("--5", "符号が複数あります"),
        ("△△5", "符号が複数あります"),
        ("5-", "数値として読めません"),
        ("+5", "数値として読めません"),
        ("5%", "数値として読めません"),
        ("5百万円", "数値として読めません"),
        ("", "数値が入力されていません"),
        ("－", "数値として読めません"),
        (str(MAX_ABS + 1), "数値が大きすぎます：「1000000000000001」"),
        (f"△{MAX_ABS + 1:,}", "大きすぎます"),
        ("9" * 5000, "大きすぎます"),
        (MAX_ABS + 1, "大きすぎます"),
    ],
)
def test_parse_integer_refuses(text: str | int, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_integer(text)

    assert message in _message(caught)


@pytest.mark.parametrize("text", ["△1", "-1", -1])
def test_parse_integer_can_refuse_negatives(text: str | int) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_integer(text, allow_negative=False)

    assert "負の値は入力できません" in _message(caught)
    assert caught.value.code == "negative"


@pytest.mark.parametrize("value", [1.5, True, None, Decimal("1")])
def test_parse_integer_refuses_other_types(value: object) -> None:
    with pytest.raises(TypeError):
        parse_integer(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        ("  ", None),
        ("－", None),
        ("-", None),
        ("―", None),
        (None, None),
        ("0", 0),
        ("△5", -5),
        (7, 7),
    ],
)
def test_parse_optional_integer(text: str | int | None, expected: int | None) -> None:
    assert parse_optional_integer(text) == expected


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("3,960,000円", "円", 3960000),
        ("3,960,000", "円", 3960000),
        ("8,479,247千円", "千円", 8479247),
        ("８，４７９，２４７", "千円", 8479247),
        ("△16,658千円", "千円", -16658),
        ("16,658", None, 16658),
        ("16,658円", None, 16658),
        (16658, "千円", 16658),
    ],
)
def test_parse_amount_accepts(text: str | int, unit: str | None, expected: int) -> None:
    assert parse_amount(text, unit=unit) == expected


@pytest.mark.parametrize(
    ("text", "unit", "message"),
    [
        (
            "3,960,000円",
            "千円",
            "単位が違います：千円の欄に円単位の値「3,960,000円」が入力されました。",
        ),
        ("3,960千円", "円", "単位が違います：円の欄に千円単位の値「3,960千円」"),
        ("1.5千円", "千円", "小数は入力できません"),
        (str(MAX_ABS + 1), "円", "金額が大きすぎます"),
    ],
)
def test_parse_amount_refuses(text: str, unit: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_amount(text, unit=unit)

    assert message in _message(caught)


def test_parse_amount_refuses_an_unknown_column_unit() -> None:
    with pytest.raises(ValueError, match="単位"):
        parse_amount("1", unit="ドル")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3,960,000円", (3960000, "円")),
        ("1,000千円", (1000, "千円")),
        ("1,000", (1000, None)),
        (5, (5, None)),
    ],
)
def test_parse_amount_with_unit(text: str | int, expected: tuple[int, str | None]) -> None:
    assert parse_amount_with_unit(text) == expected


def test_parse_optional_amount() -> None:
    assert parse_optional_amount("－", unit="千円") is None
    assert parse_optional_amount("1,000千円", unit="千円") == 1000
    with pytest.raises(ValidationError):
        parse_optional_amount("1,000円", unit="千円")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3.3", Decimal("3.3")),
        ("３．３", Decimal("3.3")),
        ("3.3%", Decimal("3.3")),
        ("３．３％", Decimal("3.3")),
        ("△1.2", Decimal("-1.2")),
        ("▲1.2", Decimal("-1.2")),
        ("-1.2", Decimal("-1.2")),
        ("3.30", Decimal("3.30")),
        ("0.0", Decimal("0.0")),
        ("△0.0", Decimal("0.0")),
        (".5", Decimal("0.5")),
        ("7", Decimal("7")),
        ("1,234.5", Decimal("1234.5")),
        (Decimal("2.0"), Decimal("2.0")),
        (3, Decimal("3")),
    ],
)
def test_parse_decimal_accepts(text: str | int | Decimal, expected: Decimal) -> None:
    value = parse_decimal(text)

    assert value == expected
    assert str(value) == str(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "「abc」は数値として読めません。3.3、３．３、3.3%、△1.2"),
        ("1.2.3", "数値として読めません"),
        ("5.", "数値として読めません"),
        ("NaN", "数値として読めません"),
        ("Infinity", "数値として読めません"),
        ("1e5", "数値として読めません"),
        ("3.3円", "数値として読めません"),
        ("△△1.2", "符号が複数あります"),
        ("12,34.5", "カンマの位置"),
        ("", "数値が入力されていません"),
        (Decimal("NaN"), "数値として読めません"),
        ("1" * 20 + ".5", "大きすぎます"),
    ],
)
def test_parse_decimal_refuses(text: str | Decimal, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_decimal(text)

    assert message in _message(caught)


def test_parse_decimal_refuses_floats() -> None:
    with pytest.raises(TypeError):
        parse_decimal(3.3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "options", "expected"),
    [
        (8479247, {}, "8,479,247"),
        (-16658, {}, "△16,658"),
        (0, {}, "0"),
        (999, {}, "999"),
        (1000, {}, "1,000"),
        (None, {}, "－"),
        (None, {"none": ""}, ""),
        (8479247, {"digits": "full"}, "８，４７９，２４７"),
        (4119, {"digits": "full"}, "４，１１９"),
        (-16658, {"digits": "full"}, "△１６，６５８"),
        (-16658, {"negative": "-"}, "-16,658"),
    ],
)
def test_format_integer(value: int | None, options: dict, expected: str) -> None:
    assert format_integer(value, **options) == expected


@pytest.mark.parametrize("value", [1.5, Decimal("1"), "1", True])
def test_format_integer_refuses_non_integers(value: object) -> None:
    with pytest.raises(TypeError):
        format_integer(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Decimal("3.3296"), 1, "3.3"),
        (Decimal("3.35"), 1, "3.4"),
        (Decimal("0.05"), 1, "0.1"),
        (Decimal("0.04"), 1, "0.0"),
        (Decimal("-0.04"), 1, "0.0"),
        (Decimal("-0.05"), 1, "△0.1"),
        (Decimal("-1.2"), 1, "△1.2"),
        (Decimal("2"), 1, "2.0"),
        (Decimal("2.25"), 0, "2"),
        (Decimal("2.5"), 0, "3"),
        (Decimal("1234.56"), 2, "1,234.56"),
        (7, 1, "7.0"),
        (Decimal("1E+40"), 1, "10,000,000,000,000,000,000,000,000,000,000,000,000,000.0"),
        (None, 1, "－"),
    ],
)
def test_format_decimal(value: Decimal | int | None, places: int, expected: str) -> None:
    assert format_decimal(value, places) == expected


def test_format_decimal_full_width() -> None:
    assert format_decimal(Decimal("-3.3"), digits="full") == "△３．３"


@pytest.mark.parametrize("value", [3.3, "3.3"])
def test_format_decimal_refuses_floats_and_text(value: object) -> None:
    with pytest.raises(TypeError):
        format_decimal(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("numer", "denom", "expected"),
    [
        # The excerpt's 地方交付税 and 総合交付金 tables: 増△減 / 前年度 × 100.
        (495056, 14868612, Decimal("3.3")),
        (164241, 10387229, Decimal("1.6")),
        (330815, 4481383, Decimal("7.4")),
        (0, 0, None),
        (0, 4481383, Decimal("0.0")),
        (8900, 489236, Decimal("1.8")),
        (339715, 4970619, Decimal("6.8")),
        (34987, 1774027, Decimal("2.0")),
        # Exact ties round half up, away from zero.
        (1, 2000, Decimal("0.1")),  # 0.05
        (-1, 2000, Decimal("-0.1")),  # -0.05
        (1, -2000, Decimal("-0.1")),
        (1, 2001, Decimal("0.0")),  # 0.04997...
        (3, 8, Decimal("37.5")),
        (1, 3, Decimal("33.3")),
        (2, 3, Decimal("66.7")),
        (1, 1, Decimal("100.0")),
        (-1, 30000, Decimal("0.0")),  # rounds to zero: no negative zero
    ],
)
def test_ratio_percent(numer: int, denom: int, expected: Decimal | None) -> None:
    result = ratio_percent(numer, denom)

    assert result == expected
    if expected is not None:
        assert str(result) == str(expected)


def test_ratio_percent_other_places() -> None:
    assert ratio_percent(1, 3, places=0) == Decimal("33")
    assert str(ratio_percent(1, 3, places=2)) == "33.33"
    assert str(ratio_percent(1, 8, places=2)) == "12.50"


def test_ratio_percent_is_exact_where_limited_precision_would_not_be() -> None:
    # numer/denom*100 = 0.05 - 1e-31, just below a tie. Decimal's default 28 significant digits
    # would round numer*100 up to 1E+32 and so report a tie, then round it to 0.1.
    numer, denom = 10**30 - 2, 2 * 10**33
    assert ratio_percent(numer, denom) == Decimal("0.0")
    assert ratio_percent(10**30 + 2, denom) == Decimal("0.1")  # just above the tie


@pytest.mark.parametrize(
    ("n", "unit", "expected"),
    [
        (2, "回", "２回"),
        (318, "件", "３１８件"),
        (4119, "票", "４，１１９票"),
        (0, "件", "０件"),
    ],
)
def test_count_text(n: int, unit: str, expected: str) -> None:
    assert count_text(n, unit) == expected


@settings(database=None)
@given(
    n=st.integers(min_value=-MAX_ABS, max_value=MAX_ABS),
    digits=st.sampled_from(["full", "half"]),
    negative=st.sampled_from(["△", "▲", "-", "－"]),
)
def test_parse_integer_reads_back_format_integer(n: int, digits: str, negative: str) -> None:
    assert parse_integer(format_integer(n, digits=digits, negative=negative)) == n  # type: ignore[arg-type]


@settings(database=None)
@given(n=st.one_of(st.none(), st.integers(min_value=-MAX_ABS, max_value=MAX_ABS)))
def test_parse_optional_integer_reads_back_format_integer(n: int | None) -> None:
    assert parse_optional_integer(format_integer(n)) == n


@settings(database=None)
@given(
    numer=st.integers(min_value=-(10**12), max_value=10**12),
    denom=st.integers(min_value=1, max_value=10**12),
)
def test_ratio_percent_matches_decimal_half_up(numer: int, denom: int) -> None:
    with localcontext() as context:
        context.prec = 60  # enough to be exact for these sizes
        expected = (Decimal(numer) * 100 / Decimal(denom)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )
    assert ratio_percent(numer, denom) == expected
