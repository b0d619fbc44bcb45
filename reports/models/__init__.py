"""Models of the report: organisation, content, history, workflow (one module each)."""

from .builds import Build, SearchEntry
from .content import AnnualReport, Block, Item, Section
from .history import SectionRevision
from .imports import ImportRecord
from .org import Department, User
from .workflow import (
    DeadlineReminder,
    Notification,
    ReportEvent,
    ReviewComment,
    SectionEvent,
    SectionSnapshot,
)

__all__ = [
    "AnnualReport",
    "Block",
    "Build",
    "DeadlineReminder",
    "Department",
    "ImportRecord",
    "Item",
    "Notification",
    "ReportEvent",
    "ReviewComment",
    "SearchEntry",
    "Section",
    "SectionEvent",
    "SectionRevision",
    "SectionSnapshot",
    "User",
]
