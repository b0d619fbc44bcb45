"""How meetings print: 第n回, the compacted date column, format notes, agenda bullets, counts.

Pure functions over plain values (ISO strings, dicts), so that report blocks can render from
a snapshot's `resolved` data alone and the staff pages show the same text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping

from akiruno import numbers, wareki
from akiruno.wareki import Digits, to_fullwidth_digits, to_halfwidth

FORMAT_LABELS = {
    "in_person": "対面",
    "written": "書面開催",
    "online": "オンライン開催",
    "hybrid": "ハイブリッド開催",
}
"""The printed names of the formats, as in "（書面開催）"."""

FORMAT_PART_LABELS = {"online": "オンライン", "written": "書面開催", "hybrid": "ハイブリッド開催"}
"""The names used in a partial note: "（うちオンライン１回）", "（うち書面開催１回）"."""

NON_IN_PERSON = ("online", "written", "hybrid")

FORMAT_ALIASES = {
    "": "in_person",
    "in_person": "in_person",
    "対面": "in_person",
    "対面開催": "in_person",
    "会議": "in_person",
    "written": "written",
    "書面": "written",
    "書面開催": "written",
    "書面会議": "written",
    "online": "online",
    "オンライン": "online",
    "オンライン開催": "online",
    "web": "online",
    "web会議": "online",
    "hybrid": "hybrid",
    "ハイブリッド": "hybrid",
    "ハイブリッド開催": "hybrid",
    # The printed report itself spells it ハイブリット once; accept what staff copy from it.
    "ハイブリット": "hybrid",
    "ハイブリット開催": "hybrid",
}

MARKERS = ("諮問", "報告")
_BULLETS = ("・", "･", "•", "◦")
_MARKER_SUFFIX = re.compile(r"[（(](諮問|報告)[）)]\s*$")


def parse_format(value: str | None) -> str | None:
    """Read a format as staff type it (書面, オンライン開催, ハイブリット, online); None if unknown."""
    text = to_halfwidth(str(value or "")).strip().lower()
    text = text.strip("()（）")
    return FORMAT_ALIASES.get(text)


def sequence_label(sequence: int | None, *, digits: Digits = "full") -> str:
    """第１回, 第３８回 (full-width digits, as the tables print them; 第38回 with "half")."""
    if sequence is None:
        return ""
    number = to_fullwidth_digits(str(sequence)) if digits == "full" else str(sequence)
    return f"第{number}回"


# --- agenda ------------------------------------------------------------------------------


def parse_agenda_text(text: str) -> list[dict]:
    """Read an agenda typed or pasted as text into items {"text", "marker"}.

    If any line starts with a bullet (・), each bulleted line starts an item and the lines
    without a bullet continue the item above (①…, ②…). Otherwise each line is an item.
    A trailing （諮問） or （報告） on an item's first line becomes its marker.
    """
    lines = [line.rstrip() for line in str(text or "").replace("\r\n", "\n").split("\n")]
    lines = [line for line in lines if line.strip()]
    bulleted = any(line.lstrip().startswith(_BULLETS) for line in lines)
    items: list[list[str]] = []
    for line in lines:
        stripped = line.strip()
        if bulleted and not stripped.startswith(_BULLETS) and items:
            items[-1].append(stripped)
            continue
        items.append([stripped.lstrip("".join(_BULLETS)).strip()])
    out = []
    for parts in items:
        first, rest = parts[0], parts[1:]
        marker = None
        if match := _MARKER_SUFFIX.search(first):
            marker = match.group(1)
            first = first[: match.start()].rstrip()
        elif rest and (match := _MARKER_SUFFIX.search(rest[-1])):
            marker = match.group(1)
            rest[-1] = rest[-1][: match.start()].rstrip()
            rest = [r for r in rest if r]
        text_value = "\n".join([first, *rest]).strip()
        if text_value:
            out.append({"text": text_value, "marker": marker})
    return out


def agenda_item_lines(item: Mapping) -> list[str]:
    """The printed lines of one agenda item: "・…について（諮問）", then continuation lines."""
    lines = str(item["text"]).split("\n")
    marker = f"（{item['marker']}）" if item.get("marker") else ""
    return [f"・{lines[0]}{marker}", *lines[1:]]


def agenda_lines(agenda: Iterable[Mapping]) -> list[str]:
    out: list[str] = []
    for item in agenda:
        out.extend(agenda_item_lines(item))
    return out


def agenda_to_text(agenda: Iterable[Mapping]) -> str:
    """The text form of an agenda, which parse_agenda_text reads back to the same items."""
    return "\n".join(agenda_lines(agenda))


# --- dates -------------------------------------------------------------------------------


def _date(value: str | dt.date) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def end_part(start: dt.date, end: dt.date, *, digits: Digits = "full", pad: bool = False) -> str:
    """The end of a range with what repeats the start left out: ６月 ４日, ２５日, 令和７年１月５日."""
    if wareki.era_year(start) != wareki.era_year(end):
        return wareki.format_date(end, digits=digits, pad=pad)
    if start.month != end.month:
        return wareki.format_month_day(end, digits=digits, pad=pad)
    day = to_fullwidth_digits(str(end.day)) if digits == "full" else str(end.day)
    return f"{day}日"


def date_column(
    sessions: list[Mapping], *, digits: Digits = "full", pad: bool = True
) -> list[tuple[str, str]]:
    """(era-year, date) per session: the year only on the first row of each year, the month
    only when it changes (akiruno.wareki.format_date_column), and a range written
    "５月２３日～６月４日". `pad` aligns one-digit days of the start ("６月 ４日")."""
    starts = [_date(s["start"]) for s in sessions]
    column = wareki.format_date_column(starts, digits=digits, pad=pad)
    out = []
    for session, start, (year_text, day_text) in zip(sessions, starts, column, strict=True):
        day_text = day_text.lstrip()  # the pad only aligns within the line
        end = session.get("end")
        if end and _date(end) != start:
            day_text = f"{day_text}～{end_part(start, _date(end), digits=digits)}"
        out.append((year_text, day_text))
    return out


def session_date_text(session: Mapping, *, digits: Digits = "full") -> str:
    """A session's date in full: 令和６年１０月１５日 or 令和６年５月２３日～６月４日."""
    start = _date(session["start"])
    end = session.get("end")
    if end and _date(end) != start:
        return wareki.format_date_range(start, _date(end), digits=digits)
    return wareki.format_date(start, digits=digits)


def format_note(fmt: str) -> str:
    """The note printed under a session's date: （書面開催）; nothing for an in-person session."""
    if fmt in NON_IN_PERSON:
        return f"（{FORMAT_LABELS[fmt]}）"
    return ""


# --- counts ------------------------------------------------------------------------------


def count_note(total: int, by_format: Mapping[str, int]) -> str:
    """The note after a count: （書面開催） when every session was so, （うちオンライン１回）
    when some were, （うちオンライン１回、書面開催１回） for several formats."""
    parts = [(code, int(by_format.get(code) or 0)) for code in NON_IN_PERSON]
    parts = [(code, n) for code, n in parts if n]
    if not total or not parts:
        return ""
    if len(parts) == 1 and parts[0][1] == total:
        return f"（{FORMAT_LABELS[parts[0][0]]}）"
    inner = "、".join(
        f"{FORMAT_PART_LABELS[code]}{numbers.count_text(n, '回')}" for code, n in parts
    )
    return f"（うち{inner}）"


def count_line(total: int, by_format: Mapping[str, int]) -> str:
    """２回, ４回（うちオンライン１回）, １回（書面開催）."""
    return numbers.count_text(total, "回") + count_note(total, by_format)
