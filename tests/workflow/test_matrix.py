"""The full role × state × action matrix of section transitions, against the services.

The expectation below is written from the specification, independently of the policy code:
an outcome is "ok" or the HTTP status of the refusal. A refusal must leave no trace.
"""

import pytest

from akiruno.exceptions import ApplicationError
from reports.models import Section, SectionEvent
from reports.services import workflow
from tests import factories
from tests.workflow.helpers import counts, fill, is_japanese, state_of

STATES = ["draft", "awaiting_head", "in_review", "returned", "approved"]
ACTIONS = ["submit", "forward", "return", "approve", "reopen"]
ROLES = [
    "editor",
    "head",
    "other_editor",
    "other_head",
    "planning_editor",
    "reviewer",
    "planning_head",
    "admin",
]
SOURCES = {
    "submit": {"draft", "returned"},
    "forward": {"awaiting_head"},
    "return": {"awaiting_head", "in_review"},
    "approve": {"in_review"},
    "reopen": {"approved"},
}
TARGET = {
    "submit": "awaiting_head",
    "forward": "in_review",
    "return": "returned",
    "approve": "approved",
    "reopen": "returned",
}


def expected(role: str, action: str, state: str) -> str | int:
    if role in {"other_editor", "other_head", "planning_editor"}:
        return 404  # another department's section does not exist for them
    if role == "admin":
        return 403
    in_source = state in SOURCES[action]
    if role == "editor":
        if action == "submit":
            return "ok" if in_source else 409
        return 403
    if role == "head":
        if action in {"submit", "forward"}:
            return "ok" if in_source else 409
        if action == "return":
            if state == "awaiting_head":
                return "ok"
            return 403 if state == "in_review" else 409
        return 403
    # reviewers of the planning division (planning_head is a reviewer too)
    if action in {"submit", "forward"}:
        return 403
    if action == "return":
        if state == "in_review":
            return "ok"
        return 403 if state == "awaiting_head" else 409
    return "ok" if in_source else 409


@pytest.fixture
def actors(editor, head, other_editor, zaisei, planning, reviewer, planning_head, admin_user):
    return {
        "editor": editor,
        "head": head,
        "other_editor": other_editor,
        "other_head": factories.make_user("zaisei-kacho", department=zaisei, head=True),
        "planning_editor": factories.make_user("kikaku-tanto", department=planning, editor=True),
        "reviewer": reviewer,
        "planning_head": planning_head,
        "admin": admin_user,
    }


def run(action: str, section: Section, user) -> Section:
    if action == "submit":
        return workflow.section_submit(section=section, user=user)
    if action == "forward":
        return workflow.section_forward(section=section, user=user)
    if action == "return":
        return workflow.section_return(section=section, user=user, comment="表を直してください。")
    if action == "approve":
        return workflow.section_approve(section=section, user=user)
    return workflow.section_reopen(section=section, user=user, reason="数値の誤りが見つかった。")


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_matrix(role, action, state, actors, section):
    fill(section)
    factories.set_state(section, state)
    user = actors[role]
    before_state, before_version = state_of(section)
    before = counts()
    outcome = expected(role, action, state)

    if outcome == "ok":
        result = run(action, section, user)
        assert result.state == TARGET[action]
        assert state_of(section) == (TARGET[action], before_version + 1)
        event = SectionEvent.objects.get(section=section)
        assert (event.action, event.from_state, event.to_state) == (action, state, TARGET[action])
        assert event.actor == user
        assert event.section_version == before_version
        assert event.snapshot.section_id == section.pk
    else:
        with pytest.raises(ApplicationError) as exc:
            run(action, section, user)
        assert exc.value.status == outcome, exc.value.message
        assert is_japanese(exc.value.message)
        if outcome == 409:
            # the message names the state the section is in now
            assert Section.State(state).label in exc.value.message
        assert state_of(section) == (before_state, before_version)
        assert counts() == before


def test_the_expectation_covers_every_allowed_transition_once_per_role():
    """A guard on the table itself: each action is allowed to exactly the roles in the spec."""
    allowed = {
        (role, action, state)
        for role in ROLES
        for action in ACTIONS
        for state in STATES
        if expected(role, action, state) == "ok"
    }
    assert ("editor", "submit", "returned") in allowed
    assert ("head", "forward", "awaiting_head") in allowed
    assert ("head", "return", "awaiting_head") in allowed
    assert ("reviewer", "return", "in_review") in allowed
    assert ("reviewer", "approve", "in_review") in allowed
    assert ("reviewer", "reopen", "approved") in allowed
    assert not any(role == "admin" for role, _a, _s in allowed)
    assert len(allowed) == 2 * 2 + 1 + 1 + 2 * (1 + 1 + 1)
