import pytest

from akiruno.numbering import KATAKANA, LATIN, MAX_DEPTH, label


@pytest.mark.parametrize(
    ("depth", "index", "expected"),
    [
        (1, 1, "１"),
        (1, 9, "９"),
        (1, 10, "10"),
        (1, 11, "11"),
        (1, 17, "17"),
        (1, 100, "100"),
        (2, 1, "（１）"),
        (2, 9, "（９）"),
        (2, 10, "（10）"),
        (2, 12, "（12）"),
        (3, 1, "ア"),
        (3, 2, "イ"),
        (3, 6, "カ"),
        (3, 10, "コ"),
        (3, 11, "サ"),
        (3, 12, "シ"),
        (3, 36, "ヤ"),
        (3, 38, "ヨ"),
        (3, 39, "ラ"),
        (3, 44, "ワ"),
        (3, 45, "ヲ"),
        (3, 46, "ン"),
        (4, 1, "（ア）"),
        (4, 5, "（オ）"),
        (4, 10, "（コ）"),
        (4, 46, "（ン）"),
        (5, 1, "ａ"),
        (5, 2, "ｂ"),
        (5, 10, "ｊ"),
        (5, 26, "ｚ"),
        (6, 1, "（ａ）"),
        (6, 10, "（ｊ）"),
        (6, 26, "（ｚ）"),
    ],
)
def test_label(depth: int, index: int, expected: str) -> None:
    assert label(depth, index) == expected


def test_katakana_follow_gojuon_order_without_wi_and_we() -> None:
    assert KATAKANA[:11] == "アイウエオカキクケコサ"
    assert "ヰ" not in KATAKANA and "ヱ" not in KATAKANA
    assert len(KATAKANA) == len(set(KATAKANA)) == 46
    assert len(LATIN) == 26
    assert MAX_DEPTH == 6


@pytest.mark.parametrize(
    ("depth", "index", "message"),
    [
        (3, 47, "第3階層の見出しは46個（ア～ン）までです。47個目には番号を付けられません。"),
        (4, 47, "第4階層の見出しは46個"),
        (5, 27, "第5階層の見出しは26個（ａ～ｚ）までです。"),
        (6, 27, "第6階層"),
        (0, 1, "見出しの階層 0 は扱えません。1～6"),
        (7, 1, "見出しの階層 7 は扱えません"),
        (1, 0, "見出しの番号 0 は扱えません"),
        (3, -1, "見出しの番号 -1"),
    ],
)
def test_label_refuses(depth: int, index: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        label(depth, index)


@pytest.mark.parametrize(("depth", "index"), [("1", 1), (1, 1.0), (True, 1)])
def test_label_requires_integers(depth: object, index: object) -> None:
    with pytest.raises(TypeError):
        label(depth, index)  # type: ignore[arg-type]
