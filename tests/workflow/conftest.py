"""Fixtures of the workflow tests, on top of tests/conftest.py."""

import pytest

from tests import factories
from tests.workflow.helpers import fill


@pytest.fixture
def filled(section):
    """The 市長公室 section with content that passes submission."""
    fill(section)
    return section


@pytest.fixture
def other_head(zaisei):
    return factories.make_user("zaisei-kacho", department=zaisei, head=True)


@pytest.fixture
def reviewer2(planning):
    return factories.make_user("shinsa2", department=planning, reviewer=True)


@pytest.fixture
def planning_editor(planning):
    return factories.make_user("kikaku-tanto", department=planning, editor=True)


@pytest.fixture
def people(editor, head, reviewer):
    return {"editor": editor, "head": head, "reviewer": reviewer}
