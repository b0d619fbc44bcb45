"""Heading numbers (見出し番号), derived from depth and position, never typed by hand.

Depth 1 to 6 are numbered １ → （１） → ア → （ア） → ａ → （ａ）; each level restarts under its
parent. Numbers one to nine are full-width (１, （９）); ten and above are half-width (10, （11）),
as the printed report writes them ("10 資産マネジメントに関する取組").
"""

from __future__ import annotations

from akiruno.wareki import to_fullwidth_digits

MAX_DEPTH = 6

KATAKANA = (
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン"
)
"""The gojūon order used for depths 3 and 4 (no ヰ or ヱ): 46 labels."""

LATIN = "ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ"
"""Full-width lowercase letters used for depths 5 and 6: 26 labels."""


def _number(index: int) -> str:
    return to_fullwidth_digits(str(index)) if index < 10 else str(index)


def _from_sequence(sequence: str, depth: int, index: int) -> str:
    if index > len(sequence):
        raise ValueError(
            f"第{depth}階層の見出しは{len(sequence)}個（{sequence[0]}～{sequence[-1]}）までです。"
            f"{index}個目には番号を付けられません。見出しを分けるか、階層を見直してください。"
        )
    return sequence[index - 1]


def label(depth: int, index: int) -> str:
    """Return the heading label for the ``index``-th (1-based) sibling at ``depth`` (1 to 6).

    label(1, 1) == "１", label(1, 10) == "10", label(2, 3) == "（３）", label(3, 1) == "ア",
    label(4, 2) == "（イ）", label(5, 1) == "ａ", label(6, 26) == "（ｚ）".
    """
    for name, value in (("depth", depth), ("index", index)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} は整数で指定してください（{value!r}）。")
    if not 1 <= depth <= MAX_DEPTH:
        raise ValueError(f"見出しの階層 {depth} は扱えません。1～{MAX_DEPTH} で指定してください。")
    if index < 1:
        raise ValueError(f"見出しの番号 {index} は扱えません。1 以上で指定してください。")
    if depth <= 2:
        text = _number(index)
    elif depth <= 4:
        text = _from_sequence(KATAKANA, depth, index)
    else:
        text = _from_sequence(LATIN, depth, index)
    return f"（{text}）" if depth % 2 == 0 else text
