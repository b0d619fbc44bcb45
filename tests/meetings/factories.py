"""Factories for meetings: bodies, sessions (with agendas) and manual counts, straight to the
database for test set-up (the services are tested on their own)."""

from __future__ import annotations

import datetime as dt
import html
import itertools
import re

from django.template.loader import render_to_string

from akiruno.fiscal import fiscal_year_of
from meetings.models import AgendaItem, ManualCount, MeetingBody, MeetingSession
from reports.models import Department, Section
from reports.snapshot import section_content
from reports.tree import render_tree

_seq = itertools.count(1)


def make_body(department: Department, name: str | None = None, **kwargs) -> MeetingBody:
    n = next(_seq)
    defaults = {"key": f"body-{n}", "name": name or f"テスト協議会{n}", "kind": "協議会"}
    defaults.update(kwargs)
    return MeetingBody.objects.create(department=department, **defaults)


def make_session(
    body: MeetingBody,
    start: str | dt.date,
    *,
    agenda: list | tuple = (),
    category: str | None = None,
    **kwargs,
) -> MeetingSession:
    start = dt.date.fromisoformat(start) if isinstance(start, str) else start
    if isinstance(kwargs.get("end"), str):
        kwargs["end"] = dt.date.fromisoformat(kwargs["end"])
    session = MeetingSession.objects.create(
        body=body,
        start=start,
        fiscal_year=fiscal_year_of(start),
        category=category or body.kind,
        **kwargs,
    )
    for i, item in enumerate(agenda):
        text, marker = (item, "") if isinstance(item, str) else item
        AgendaItem.objects.create(session=session, position=i, text=text, marker=marker)
    return session


def make_manual_count(body: MeetingBody, category: str, count: int, **kwargs) -> ManualCount:
    kwargs.setdefault("fiscal_year", 2024)
    kwargs.setdefault("note", "件数のみ把握")
    return ManualCount.objects.create(body=body, category=category, count=count, **kwargs)


def section_html(section: Section) -> str:
    content = section_content(section)
    return render_to_string(
        "report/section.html",
        {"department_name": content["department_name"], "items": render_tree(content)},
    )


def visible_text(markup: str) -> str:
    """The text a reader sees: tags dropped, <br> and block ends as new lines."""
    markup = re.sub(r"<br\s*/?>", "\n", markup)
    markup = re.sub(r"</(p|div|tr|li|h\d|caption)>", "\n", markup)
    markup = re.sub(r"</t[hd]>", " | ", markup)
    text = html.unescape(re.sub(r"<[^>]+>", "", markup))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def table_rows(markup: str) -> list[list[str]]:
    """Every table row of the markup as its cells' text (lines joined by "/")."""
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", markup, flags=re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        rows.append(
            [
                "/".join(
                    line.strip()
                    for line in html.unescape(
                        re.sub(r"<[^>]+>", "", re.sub(r"<br\s*/?>", "\n", cell))
                    ).splitlines()
                    if line.strip()
                )
                for cell in cells
            ]
        )
    return rows
