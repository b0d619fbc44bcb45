"""Finance fixtures: the finance division's staff and the excerpt's tables entered."""

import copy

import pytest

from finance.interchange import import_finance
from tests import factories
from tests.finance import excerpt


@pytest.fixture
def finance_editor(other_editor):
    """An editor of 財政課 (code zaisei), who owns the finance records."""
    return other_editor


@pytest.fixture
def finance_head(zaisei):
    return factories.make_user("zaisei-kacho", department=zaisei, head=True)


@pytest.fixture
def excerpt_finance() -> dict:
    """The FY2024 excerpt's accounts and comparison tables, with the printed figures."""
    return {
        "accounts": copy.deepcopy(excerpt.ACCOUNTS),
        "comparisons": copy.deepcopy([excerpt.KOFUZEI, excerpt.SOGO]),
        "bonds": copy.deepcopy(excerpt.SAMPLE_BONDS),
        "funds": copy.deepcopy(excerpt.SAMPLE_FUNDS),
        "grants": copy.deepcopy(excerpt.SAMPLE_GRANTS),
    }


@pytest.fixture
def fy2024(zaisei, excerpt_finance):
    """The excerpt entered for FY2024 through the importer (which checks every printed total)."""
    import_finance(excerpt_finance, fiscal_year=2024)
    return 2024
