"""Charts as SVG, drawn on the server from a block's computed figures (no JavaScript).

A small writer of our own rather than a plotting library: the same figures give the same bytes
(no timestamps, ids or hash salts; every coordinate rounded to 0.1), so builds stay reproducible,
and the markup is inline in the HTML, in the staff preview and in the PDF (WeasyPrint draws SVG).

Accessibility (JIS X 8341-3 / WCAG 2.1 AA):
- each chart has a text alternative saying what it shows and its key figures (`Chart.alt`): the
  SVG's <title> (read by screen readers, and WeasyPrint's /Alt of the PDF figure) and the
  visible caption printed with it; the table next to it stays the source;
- readable without colour: every bar and point carries its value as a direct label, series
  differ by fill (dark / light with an outline) and by marker, and are named in a legend;
- colours have at least 3:1 contrast against white (graphics) and text is black or #333;
- Japanese axis labels (４月…３月, 単位), 和暦 fiscal years, △ for negatives.

Which chart a block shows is part of the block's data (`"chart": "bar"`, …, `"none"`): each
block kind lists the kinds that fit it (`chart_kinds`, the first being the default) and builds
its charts from these functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from akiruno import numbers

CHART_LABELS = {
    "bar": "棒グラフ",
    "line": "折れ線グラフ",
    "waterfall": "増減の推移（ウォーターフォール）",
    "none": "表示しない",
}

# Dark and light fills: told apart without colour (the light one has a dark outline).
DARK = "#1f4e79"  # 9.0:1 on white
LIGHT = "#9dc3e6"  # with a DARK outline
UP = "#1f6e43"  # increases: dark green, 6.4:1
DOWN = "#a33a00"  # decreases: dark orange, 6.0:1
TEXT = "#000"
MUTED = "#333"
GRID = "#b0b0b0"
FONT = "'Noto Sans CJK JP','IPAexGothic','Hiragino Sans','Yu Gothic',sans-serif"
MARKERS = ("circle", "square", "triangle", "diamond")
WIDTH = 640


@dataclass(frozen=True)
class Chart:
    kind: str
    svg: str  # markup, built only from escaped text
    alt: str  # the text alternative (also the visible caption)


def clean_chart(value: Any, kinds: Sequence[str], add_error) -> str | None:
    """The block's chart choice: one of `kinds` or "none"; None when not given (the default)."""
    if value is None or value == "":
        return None
    allowed = list(dict.fromkeys([*kinds, "none"]))
    if value not in allowed:
        names = "、".join(f"{k}（{CHART_LABELS[k]}）" for k in allowed)
        add_error("/chart", f"グラフは {names} から選んでください。")
        return None
    return value


def chosen(data: dict, kinds: Sequence[str]) -> str:
    """The chart a block shows: its choice, else the kind's default (the first that fits)."""
    value = data.get("chart")
    if value in kinds or value == "none":
        return value
    return kinds[0] if kinds else "none"


def schema(kinds: Sequence[str]) -> dict:
    """JSON Schema of a block's "chart" key."""
    return {
        "enum": [*kinds, "none"],
        "description": "グラフ: "
        + "、".join(f"{k}={CHART_LABELS[k]}" for k in [*kinds, "none"])
        + f"（省略時は {kinds[0]}）",
    }


# -- formatting -------------------------------------------------------------------------------


def _n(value: float) -> str:
    """A coordinate: rounded to 0.1, no exponent, no trailing zeros (byte-stable)."""
    text = f"{round(value, 1):.1f}"
    text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fmt(value: int | None) -> str:
    return numbers.format_integer(value)


def fmt_percent(value: Decimal | None) -> str:
    return "－" if value is None else numbers.format_decimal(value, 1) + "％"


def _nice_step(span: float, ticks: int = 4) -> int:
    if span <= 0:
        return 1
    raw = span / ticks
    magnitude = 10 ** max(0, len(str(int(raw))) - 1)
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * magnitude
        if step >= raw:
            return max(1, int(step))
    return int(10 * magnitude)


def _scale(values: Iterable[int | None]) -> tuple[int, int, int]:
    """(low, high, step): a range that includes 0 and every value, on round ticks."""
    present = [v for v in values if v is not None]
    low = min([0, *present])
    high = max([0, *present])
    if low == high:
        high = low + 1
    step = _nice_step(high - low)
    low = -(-low // step) * step if low >= 0 else (low // step) * step
    high = -(-high // step) * step
    return low, high, step


def _short(text: str, limit: int = 14) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Svg:
    def __init__(self, width: int, height: int, alt: str) -> None:
        self.width, self.height = width, height
        self.parts: list[str] = []
        self.alt = alt

    def add(self, markup: str) -> None:
        self.parts.append(markup)

    def text(
        self,
        x: float,
        y: float,
        content: str,
        *,
        anchor: str = "start",
        size: float = 11,
        weight: str = "",
        fill: str = TEXT,
    ) -> None:
        bold = ' font-weight="700"' if weight else ""
        self.add(
            f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" text-anchor="{anchor}"'
            f' fill="{fill}"{bold}>{escape(content)}</text>'
        )

    def rect(self, x: float, y: float, w: float, h: float, fill: str, stroke: str = "") -> None:
        outline = f' stroke="{stroke}" stroke-width="1"' if stroke else ""
        if w < 0:
            x, w = x + w, -w
        if h < 0:
            y, h = y + h, -h
        self.add(
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}"'
            f' fill="{fill}"{outline}/>'
        )

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        stroke: str,
        width: float = 1,
        dash: str = "",
    ) -> None:
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        self.add(
            f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{stroke}"'
            f' stroke-width="{_n(width)}"{dashed}/>'
        )

    def marker(self, shape: str, x: float, y: float, fill: str) -> None:
        r = 3.5
        if shape == "circle":
            self.add(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" fill="{fill}"/>')
        elif shape == "square":
            self.rect(x - r, y - r, 2 * r, 2 * r, fill)
        elif shape == "triangle":
            points = (
                f"{_n(x)},{_n(y - r - 1)} {_n(x - r - 1)},{_n(y + r)} {_n(x + r + 1)},{_n(y + r)}"
            )
            self.add(f'<polygon points="{points}" fill="{fill}"/>')
        else:
            points = f"{_n(x)},{_n(y - r - 1)} {_n(x + r + 1)},{_n(y)} {_n(x)},{_n(y + r + 1)} {_n(x - r - 1)},{_n(y)}"
            self.add(f'<polygon points="{points}" fill="{fill}"/>')

    def markup(self) -> str:
        label = quoteattr(self.alt)
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" role="img"'
            f" aria-label={label}"
            f' viewBox="0 0 {self.width} {self.height}" width="{self.width}"'
            f' height="{self.height}" font-family="{FONT}">'
            f"<title>{escape(self.alt)}</title>" + "".join(self.parts) + "</svg>"
        )


def _legend(svg: _Svg, x: float, y: float, entries: list[tuple[str, str, str]]) -> None:
    """(label, fill, stroke) swatches in a row from (x, y)."""
    for label, fill, stroke in entries:
        svg.rect(x, y - 9, 12, 10, fill, stroke)
        svg.text(x + 16, y, label, size=11)
        x += 28 + 12 * len(label)


# -- fiscal months: one chart per measure -----------------------------------------------------


def month_chart(
    *, kind: str, title: str, month_labels: Sequence[str], values: Sequence[int | None], unit: str
) -> Chart:
    """Bars or a line of one measure over ４月…３月, every value labelled."""
    unit = unit or ""
    present = [(label, v) for label, v in zip(month_labels, values, strict=True) if v is not None]
    alt = f"{title}の月別の{CHART_LABELS[kind]}。"
    if present:
        high = max(present, key=lambda p: p[1])
        low = min(present, key=lambda p: p[1])
        total = sum(v for _, v in present)
        alt += (
            f"最多は{high[0]}月の{fmt(high[1])}{unit}、最少は{low[0]}月の{fmt(low[1])}{unit}、"
            f"{len(present)}か月の合計は{fmt(total)}{unit}。"
        )
    else:
        alt += "値はありません。"
    height = 220
    left, right, top, bottom = 64, 16, 28, 40
    svg = _Svg(WIDTH, height, alt)
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    low_v, high_v, step = _scale(values)

    def y_of(v: float) -> float:
        return top + plot_h * (high_v - v) / (high_v - low_v)

    svg.text(left, 16, f"{title}（単位：{unit}）" if unit else title, size=12, weight="bold")
    tick = low_v
    while tick <= high_v:
        y = y_of(tick)
        svg.line(left, y, left + plot_w, y, GRID, 0.6)
        svg.text(left - 6, y + 4, fmt(tick), anchor="end", size=10, fill=MUTED)
        tick += step
    svg.line(left, y_of(0), left + plot_w, y_of(0), TEXT, 1)
    slot = plot_w / len(month_labels)
    points = []
    for index, (label, value) in enumerate(zip(month_labels, values, strict=True)):
        cx = left + slot * (index + 0.5)
        svg.text(cx, height - bottom + 16, f"{label}月", anchor="middle", size=11)
        if value is None:
            svg.text(cx, y_of(0) - 4, "－", anchor="middle", size=10, fill=MUTED)
            continue
        y = y_of(value)
        if kind == "bar":
            bar_w = slot * 0.62
            svg.rect(cx - bar_w / 2, y_of(0), bar_w, y - y_of(0), DARK)
        else:
            points.append((cx, y))
        label_y = y - 5 if value >= 0 else y + 13
        svg.text(cx, label_y, fmt(value), anchor="middle", size=9.5)
    if points:
        path = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
        svg.add(f'<polyline points="{path}" fill="none" stroke="{DARK}" stroke-width="2"/>')
        for x, y in points:
            svg.marker("circle", x, y, DARK)
    svg.text(left + plot_w, height - 6, "（月）", anchor="end", size=10, fill=MUTED)
    return Chart(kind=kind, svg=svg.markup(), alt=alt)


# -- horizontal bars: breakdowns, budget against settlement, year over year -------------------


@dataclass(frozen=True)
class BarRow:
    label: str
    values: tuple[int | None, ...]  # one per series
    note: str = ""  # printed after the last bar (執行率 98.1％, 増△減 …)


def bar_chart(
    *,
    title: str,
    series: Sequence[str],
    rows: Sequence[BarRow],
    unit: str,
    alt: str,
    sort: bool = False,
) -> Chart:
    """Horizontal bars, one group per row (a category, a 款), one bar per series, each labelled
    with its value; `note` after the group. Sorted by the first series when `sort`."""
    rows = list(rows)
    if sort:
        rows.sort(key=lambda r: (-(r.values[0] or 0), r.label))
    n = len(series)
    bar_h = 12 if n > 1 else 16
    group_h = n * bar_h + 10
    legend_h = 22 if n > 1 else 0
    top = 26 + legend_h
    height = top + group_h * len(rows) + 26
    label_w = 170
    value_w = 150
    plot_left = label_w + 8
    plot_w = WIDTH - plot_left - value_w
    low_v, high_v, step = _scale(v for r in rows for v in r.values)
    svg = _Svg(WIDTH, height, alt)

    def x_of(v: float) -> float:
        return plot_left + plot_w * (v - low_v) / (high_v - low_v)

    svg.text(0, 16, f"{title}（単位：{unit}）" if unit else title, size=12, weight="bold")
    fills = [(DARK, ""), (LIGHT, DARK)]
    if n > 1:
        _legend(svg, plot_left, 38, [(s, *fills[i % 2]) for i, s in enumerate(series)])
    bottom = top + group_h * len(rows)
    tick = low_v
    while tick <= high_v:
        x = x_of(tick)
        svg.line(x, top - 4, x, bottom, GRID, 0.6)
        svg.text(x, bottom + 14, fmt(tick), anchor="middle", size=9.5, fill=MUTED)
        tick += step
    svg.line(x_of(0), top - 4, x_of(0), bottom, TEXT, 1)
    for r_index, row in enumerate(rows):
        y0 = top + r_index * group_h + 4
        svg.text(label_w, y0 + n * bar_h / 2 + 4, _short(row.label), anchor="end", size=11)
        end_x = x_of(0)
        for s_index, value in enumerate(row.values):
            y = y0 + s_index * bar_h
            if value is None:
                svg.text(x_of(0) + 4, y + bar_h - 3, "－", size=9.5, fill=MUTED)
                continue
            fill, stroke = fills[s_index % 2]
            svg.rect(x_of(0), y + 1, x_of(value) - x_of(0), bar_h - 2, fill, stroke)
            tip = max(x_of(value), x_of(0))
            svg.text(tip + 4, y + bar_h - 3, fmt(value), size=9.5)
            end_x = max(end_x, tip)
        if row.note:
            svg.text(
                WIDTH - 2, y0 + n * bar_h / 2 + 4, row.note, anchor="end", size=9.5, fill=MUTED
            )
    return Chart(kind="bar", svg=svg.markup(), alt=alt)


# -- waterfall: opening → additions → reductions → closing -----------------------------------


@dataclass(frozen=True)
class Step:
    label: str
    value: int
    total: bool = False  # a level (opening, closing), not a change


def waterfall_chart(*, title: str, steps: Sequence[Step], unit: str, alt: str) -> Chart:
    """Horizontal waterfall: the levels as full bars, the changes as floating bars from the
    running level, increases and decreases told apart by fill and by sign (＋ / △)."""
    row_h = 22
    top = 26
    height = top + row_h * len(steps) + 26
    label_w, value_w = 150, 130
    plot_left = label_w + 8
    plot_w = WIDTH - plot_left - value_w
    levels, running = [], 0
    for step in steps:
        if step.total:
            running = step.value
            levels.append((0, running))
        else:
            levels.append((running, running + step.value))
            running += step.value
    low_v, high_v, tick_step = _scale(v for pair in levels for v in pair)
    svg = _Svg(WIDTH, height, alt)

    def x_of(v: float) -> float:
        return plot_left + plot_w * (v - low_v) / (high_v - low_v)

    svg.text(0, 16, f"{title}（単位：{unit}）" if unit else title, size=12, weight="bold")
    bottom = top + row_h * len(steps)
    tick = low_v
    while tick <= high_v:
        x = x_of(tick)
        svg.line(x, top - 4, x, bottom, GRID, 0.6)
        svg.text(x, bottom + 14, fmt(tick), anchor="middle", size=9.5, fill=MUTED)
        tick += tick_step
    svg.line(x_of(0), top - 4, x_of(0), bottom, TEXT, 1)
    previous_end = None
    for index, (step, (start, end)) in enumerate(zip(steps, levels, strict=True)):
        y = top + index * row_h + 4
        svg.text(label_w, y + 11, _short(step.label, 12), anchor="end", size=11)
        if step.total:
            svg.rect(x_of(0), y, x_of(end) - x_of(0), row_h - 8, DARK)
            shown = fmt(step.value)
        elif step.value >= 0:
            svg.rect(x_of(start), y, x_of(end) - x_of(start), row_h - 8, "#ffffff", UP)
            svg.rect(x_of(start), y, x_of(end) - x_of(start), 3, UP)
            shown = f"＋{fmt(step.value)}"
        else:
            svg.rect(x_of(end), y, x_of(start) - x_of(end), row_h - 8, DOWN)
            shown = fmt(step.value)
        if previous_end is not None:
            svg.line(x_of(previous_end), y - 8, x_of(previous_end), y, MUTED, 0.8, "2,2")
        previous_end = end
        svg.text(max(x_of(start), x_of(end)) + 4, y + 11, shown, size=9.5)
    return Chart(kind="waterfall", svg=svg.markup(), alt=alt)


# -- the workflow's progress: counts per state over time ------------------------------------

DASHES = ("", "6,3", "2,3", "8,3,2,3", "1,2")


def timeline_chart(
    *,
    title: str,
    dates: Sequence[date],
    series: Sequence[tuple[str, Sequence[int]]],
    deadline: date | None,
    unit: str,
    alt: str,
) -> Chart:
    """Step lines of counts over dates (one per series), each with its own marker and dash and
    named at its end with its last count; the deadline as a labelled dashed rule."""
    from akiruno import wareki

    height = 300
    left, right, top, bottom = 40, 150, 26, 80
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    svg = _Svg(WIDTH, height, alt)
    svg.text(0, 16, f"{title}（単位：{unit}）" if unit else title, size=12, weight="bold")
    if not dates:
        svg.text(left, top + 20, "まだ記録がありません。", size=11)
        return Chart(kind="line", svg=svg.markup(), alt=alt)
    from datetime import timedelta

    # The axis runs over the events and the deadline, whichever side of them it falls.
    start = min(dates[0], deadline) if deadline else dates[0]
    end = max(dates[-1], deadline) if deadline else dates[-1]
    if end == start:
        start = end - timedelta(days=1)
    span = (end - start).days

    def x_of(day: date) -> float:
        return left + plot_w * (day - start).days / span

    low_v, high_v, step = _scale(v for _, values in series for v in values)

    def y_of(v: float) -> float:
        return top + plot_h * (high_v - v) / (high_v - low_v)

    tick = low_v
    while tick <= high_v:
        svg.line(left, y_of(tick), left + plot_w, y_of(tick), GRID, 0.6)
        svg.text(left - 6, y_of(tick) + 4, fmt(tick), anchor="end", size=10, fill=MUTED)
        tick += step
    ticks = sorted({start, end, *dates[:: max(1, len(dates) // 4)]})
    shown_x: list[float] = []
    for day in ticks:
        x = x_of(day)
        if any(abs(x - other) < 60 for other in shown_x):
            continue
        shown_x.append(x)
        svg.line(x, top + plot_h, x, top + plot_h + 4, TEXT, 1)
        svg.text(x, top + plot_h + 16, wareki.format_month_day(day), anchor="middle", size=10)
    svg.line(left, y_of(0), left + plot_w, y_of(0), TEXT, 1)
    if deadline:
        x = x_of(deadline)
        svg.line(x, top - 2, x, top + plot_h, DOWN, 1.2, "4,3")
        svg.text(
            x,
            top + plot_h + 30,
            f"提出期限 {wareki.format_month_day(deadline)}",
            # Kept inside the chart when the deadline is at an end of the axis.
            anchor="start" if x < left + 50 else "end" if x > left + plot_w - 50 else "middle",
            size=10,
            fill=DOWN,
        )
    label_ys: list[float] = []
    for index, (label, values) in enumerate(series):
        dash = DASHES[index % len(DASHES)]
        shade = (DARK, UP, DOWN, "#5b2a86", MUTED)[index % 5]
        points = []
        for i, (day, value) in enumerate(zip(dates, values, strict=True)):
            x, y = x_of(day), y_of(value)
            if i:
                points.append((x, points[-1][1]))
            points.append((x, y))
        points.append((x_of(end), points[-1][1]))
        path = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        svg.add(
            f'<polyline points="{path}" fill="none" stroke="{shade}" stroke-width="2"{dashed}/>'
        )
        for day, value in zip(dates, values, strict=True):
            svg.marker(MARKERS[index % len(MARKERS)], x_of(day), y_of(value), shade)
        y = y_of(values[-1]) + 4
        while any(abs(y - other) < 13 for other in label_ys):
            y += 13
        label_ys.append(y)
        svg.marker(MARKERS[index % len(MARKERS)], left + plot_w + 10, y - 4, shade)
        svg.text(left + plot_w + 18, y, f"{label} {fmt(values[-1])}{unit}", size=10.5)
    return Chart(kind="line", svg=svg.markup(), alt=alt)
