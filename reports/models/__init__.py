"""Models of the report: organisation, content, workflow and builds (one module each)."""

from .content import AnnualReport, Block, Item, Section
from .org import Department, User

__all__ = ["AnnualReport", "Block", "Department", "Item", "Section", "User"]
