"""Who has a section open: a heartbeat every ~30 seconds kept in the cache, no table.

The entry of a user who stops sending heartbeats (closed the tab) expires after
PRESENCE_TIMEOUT seconds. Two heartbeats racing may drop one entry until the next beat,
which is harmless for an indication of who else is looking.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache

from reports.models import Section, User

PRESENCE_TIMEOUT = 75


@dataclass(frozen=True)
class Viewer:
    user_id: int
    name: str
    department: str
    editing: bool


def _key(section_id: int) -> str:
    return f"presence:section:{section_id}"


def presence_touch(*, section: Section, user: User, editing: bool) -> list[Viewer]:
    """Record that `user` has the section open now; return the others who have it open."""
    now = time.time()
    entries: dict = cache.get(_key(section.pk)) or {}
    entries = {k: v for k, v in entries.items() if now - v["seen"] < PRESENCE_TIMEOUT}
    entries[str(user.pk)] = {
        "seen": now,
        "name": str(user),
        "department": user.department.name if user.department_id else "",
        "editing": editing,
    }
    cache.set(_key(section.pk), entries, PRESENCE_TIMEOUT * 2)
    return _others(entries, user, now)


def presence_leave(*, section: Section, user: User) -> None:
    entries: dict = cache.get(_key(section.pk)) or {}
    if entries.pop(str(user.pk), None) is not None:
        cache.set(_key(section.pk), entries, PRESENCE_TIMEOUT * 2)


def presence_list(*, section: Section, user: User) -> list[Viewer]:
    now = time.time()
    entries: dict = cache.get(_key(section.pk)) or {}
    return _others(entries, user, now)


def _others(entries: dict, user: User, now: float) -> list[Viewer]:
    return sorted(
        (
            Viewer(int(k), v["name"], v.get("department", ""), bool(v.get("editing")))
            for k, v in entries.items()
            if k != str(user.pk) and now - v["seen"] < PRESENCE_TIMEOUT
        ),
        key=lambda v: v.name,
    )
