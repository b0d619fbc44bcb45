"""Models of the report: organisation, content, history, workflow (one module each)."""

from .builds import Build, SearchEntry
from .content import AnnualReport, Block, Item, Section
from .history import SectionRevision
from .org import Department, User
from .workflow import ReportEvent, SectionEvent, SectionSnapshot

__all__ = [
    "AnnualReport",
    "Block",
    "Build",
    "Department",
    "Item",
    "ReportEvent",
    "SearchEntry",
    "Section",
    "SectionEvent",
    "SectionRevision",
    "SectionSnapshot",
    "User",
]
