"""What changed between two versions of a section: a line diff of the text as printed.

Both sides are content JSON (reports.snapshot.section_content or a SectionSnapshot). Each is
turned into the lines a reader sees (numbered headings, paragraphs, list entries, table rows
with their computed totals), then compared with difflib. A line replaced by one other line also
gets a character-level diff, so "３１８件" → "３１９件" shows which characters changed.
Nothing here produces HTML: templates escape every segment.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field

from akiruno.numbering import label
from reports import blocks
from reports.snapshot import walk

SIMILAR = 0.5  # lines at least this alike are shown with their changed characters marked


@dataclass
class Segment:
    text: str
    changed: bool = False


@dataclass
class DiffLine:
    op: str  # "equal" | "delete" | "insert" | "skip"
    text: str = ""
    segments: list[Segment] = field(default_factory=list)
    skipped: int = 0  # for "skip": how many unchanged lines are not shown
    hidden: list[str] = field(default_factory=list)  # for "skip": those lines, to unfold


@dataclass
class SectionDiff:
    lines: list[DiffLine]
    inserted: int
    deleted: int

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.deleted)


def _table_lines(views: list) -> list[str]:
    out = []
    for table in views:
        title = f"表「{table.caption}」" if table.caption else "表"
        if table.unit:
            title += f"（単位：{table.unit}）"
        out.append(f"　{title}")
        out.append("　　" + " | ".join(c.get("label", "") for c in table.columns))
        for row in table.rows:
            out.append("　　" + " | ".join(cell.display for cell in row.cells))
        out.extend(f"　　{note}" for note in table.notes)
    return out


def block_lines(block: dict, depth: int) -> list[str]:
    """The lines a reader sees for one block."""
    data = block.get("data") or {}
    try:
        kind = blocks.get(block.get("kind", ""))
    except Exception:
        return ["　" + json.dumps(data, ensure_ascii=False, sort_keys=True)]
    try:
        lines = kind.diff_lines(data, block.get("resolved"), depth=depth)
        if lines is not None:
            return [f"　{line}" for line in lines]
        views = kind.tables(data, block.get("resolved"))
    except Exception:
        views = []
    if views:
        return _table_lines(views)
    return ["　" + json.dumps(data, ensure_ascii=False, sort_keys=True)]


def content_lines(content: dict | None) -> list[str]:
    """A content tree as the lines of text a reader sees, in reading order."""
    if not content:
        return []
    lines: list[str] = []
    numbers: list[str] = []
    for depth, index, item in walk(content.get("items", [])):
        del numbers[depth - 1 :]
        try:
            numbers.append(label(depth, index))
        except ValueError:
            numbers.append(f"（{index}）")
        lines.append(f"{numbers[-1]} {item.get('heading', '')}".rstrip())
        for block in item.get("blocks", []):
            lines.extend(block_lines(block, depth))
    return lines


def _segments(a: str, b: str) -> tuple[list[Segment], list[Segment]]:
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    old: list[Segment] = []
    new: list[Segment] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            old.append(Segment(a[i1:i2]))
            new.append(Segment(b[j1:j2]))
        else:
            if i2 > i1:
                old.append(Segment(a[i1:i2], True))
            if j2 > j1:
                new.append(Segment(b[j1:j2], True))
    return old, new


def diff_contents(old: dict | None, new: dict | None, *, context: int = 2) -> SectionDiff:
    """Compare two contents; unchanged runs longer than 2×context lines are folded."""
    a, b = content_lines(old), content_lines(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    lines: list[DiffLine] = []
    inserted = deleted = 0
    opcodes = matcher.get_opcodes()
    for n, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal":
            run = a[i1:i2]
            head = run[:context] if n > 0 else []
            tail = run[-context:] if n < len(opcodes) - 1 and context else []
            if len(run) <= len(head) + len(tail) + 1:
                lines.extend(DiffLine("equal", t, [Segment(t)]) for t in run)
                continue
            lines.extend(DiffLine("equal", t, [Segment(t)]) for t in head)
            hidden = run[len(head) : len(run) - len(tail)]
            lines.append(DiffLine("skip", skipped=len(hidden), hidden=list(hidden)))
            lines.extend(DiffLine("equal", t, [Segment(t)]) for t in tail)
            continue
        olds, news = a[i1:i2], b[j1:j2]
        deleted += len(olds)
        inserted += len(news)
        old_segments = [[Segment(t, True)] for t in olds]
        new_segments = [[Segment(t, True)] for t in news]
        if op == "replace":
            # Lines at the same place in the run that are alike get a character-level diff.
            for k, (x, y) in enumerate(zip(olds, news, strict=False)):
                if difflib.SequenceMatcher(None, x, y, autojunk=False).ratio() >= SIMILAR:
                    old_segments[k], new_segments[k] = _segments(x, y)
        lines.extend(DiffLine("delete", t, seg) for t, seg in zip(olds, old_segments, strict=True))
        lines.extend(DiffLine("insert", t, seg) for t, seg in zip(news, new_segments, strict=True))
    return SectionDiff(lines=lines, inserted=inserted, deleted=deleted)
