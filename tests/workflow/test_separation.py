"""Separation of duties: a reviewer never approves what they edited, submitted or forwarded."""

import pytest
import time_machine
from django.utils import timezone

from akiruno.exceptions import PermissionDenied
from reports.permissions import policy
from reports.services import workflow
from tests import factories
from tests.workflow.helpers import advance, counts, fill, revise, state_of


@pytest.fixture
def planning_section(report, planning):
    section = factories.make_section(planning, report)
    fill(section)
    return section


@pytest.fixture
def writer_reviewer(planning):
    """A member of the planning division who writes its section and also reviews."""
    return factories.make_user(
        "kikaku-tanto-shinsa", department=planning, editor=True, reviewer=True
    )


def test_the_guard_is_registered_with_the_policy():
    assert workflow.approve_refusal_reason in policy.approve_guards


def test_a_reviewer_who_edited_since_the_last_return_may_not_approve(filled, people, reviewer2):
    advance(filled, "returned", **people)
    revise(filled, people["reviewer"], "審査担当が直接修正")
    workflow.section_submit(section=filled, user=people["editor"])
    workflow.section_forward(section=filled, user=people["head"])
    before = counts()
    assert not policy.can(people["reviewer"], "approve", filled)
    with pytest.raises(PermissionDenied) as exc:
        workflow.section_approve(section=filled, user=people["reviewer"])
    assert exc.value.status == 403
    assert "編集" in exc.value.message and "職務の分離" in exc.value.message
    assert counts() == before
    assert state_of(filled)[0] == "in_review"
    workflow.section_approve(section=filled, user=reviewer2)  # another reviewer may
    assert filled.state == "approved"


def test_an_edit_before_the_last_return_does_not_count(filled, people):
    with time_machine.travel(timezone.now() - timezone.timedelta(days=3), tick=True):
        revise(filled, people["reviewer"], "前回の版で修正")
    advance(filled, "returned", **people)
    workflow.section_submit(section=filled, user=people["editor"])
    workflow.section_forward(section=filled, user=people["head"])
    workflow.section_approve(section=filled, user=people["reviewer"])
    assert filled.state == "approved"


def test_an_edit_in_a_section_never_returned_counts(filled, people):
    revise(filled, people["reviewer"])
    advance(filled, "in_review", **people)
    assert policy.approve_refusal(people["reviewer"], filled)
    with pytest.raises(PermissionDenied):
        workflow.section_approve(section=filled, user=people["reviewer"])


def test_the_one_who_forwarded_may_not_approve(
    planning_section, planning_head, writer_reviewer, reviewer
):
    workflow.section_submit(section=planning_section, user=writer_reviewer)
    workflow.section_forward(section=planning_section, user=planning_head)
    before = counts()
    with pytest.raises(PermissionDenied) as exc:
        workflow.section_approve(section=planning_section, user=planning_head)
    assert "送付した本人" in exc.value.message
    assert counts() == before
    workflow.section_approve(section=planning_section, user=reviewer)
    assert planning_section.state == "approved"


def test_the_one_who_submitted_may_not_approve(planning_section, planning_head, writer_reviewer):
    workflow.section_submit(section=planning_section, user=writer_reviewer)
    workflow.section_forward(section=planning_section, user=planning_head)
    with pytest.raises(PermissionDenied) as exc:
        workflow.section_approve(section=planning_section, user=writer_reviewer)
    assert "提出した本人" in exc.value.message


def test_forwarding_in_an_earlier_round_does_not_count(
    planning_section, planning_head, writer_reviewer, reviewer
):
    workflow.section_submit(section=planning_section, user=writer_reviewer)
    workflow.section_forward(section=planning_section, user=planning_head)
    workflow.section_return(section=planning_section, user=reviewer, comment="修正を。")
    planning_head2 = factories.make_user(
        "kikaku-kacho2", department=planning_section.department, head=True
    )
    workflow.section_submit(section=planning_section, user=planning_head2)
    workflow.section_forward(section=planning_section, user=planning_head2)
    workflow.section_approve(section=planning_section, user=planning_head)
    assert planning_section.state == "approved"


def test_the_panel_explains_why_approval_is_not_offered(rf, filled, people):
    from django.template.loader import render_to_string

    revise(filled, people["reviewer"])
    advance(filled, "in_review", **people)
    html = render_to_string(
        "staff/workflow/_panel.html", {"section": filled, "user": people["reviewer"]}
    )
    assert "承認する</button>" not in html
    assert "差し戻す</button>" in html
    assert "職務の分離" in html
