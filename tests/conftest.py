"""Shared fixtures: the three demo departments and one user per role."""

import pytest

from tests import factories
from tests.otp import verified_session


@pytest.fixture(autouse=True)
def _second_factor_verified_logins():
    """Client.force_login gives the session a user has after signing in with their code
    (tests/otp.py): the second factor is verified when the user has an enrolled device."""
    with verified_session():
        yield


@pytest.fixture
def planning(db):
    return factories.make_department("kikaku-seisaku", "企画政策課", display_order=10)


@pytest.fixture
def koshitsu(db):
    return factories.make_department("shicho-koshitsu", "市長公室", display_order=20)


@pytest.fixture
def zaisei(db):
    return factories.make_department("zaisei", "財政課", display_order=30)


@pytest.fixture
def editor(koshitsu):
    return factories.make_user("koshitsu-tanto", department=koshitsu, editor=True)


@pytest.fixture
def head(koshitsu):
    return factories.make_user("koshitsu-kacho", department=koshitsu, head=True)


@pytest.fixture
def other_editor(zaisei):
    return factories.make_user("zaisei-tanto", department=zaisei, editor=True)


@pytest.fixture
def reviewer(planning):
    return factories.make_user("shinsa", department=planning, reviewer=True)


@pytest.fixture
def planning_head(planning):
    return factories.make_user("kikaku-kacho", department=planning, head=True, reviewer=True)


@pytest.fixture
def admin_user(db):
    return factories.make_user("admin", admin=True)


@pytest.fixture
def report(db):
    return factories.make_report(2024)


@pytest.fixture
def section(report, koshitsu):
    return factories.make_section(koshitsu, report)
