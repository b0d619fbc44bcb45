"""The core of the permission policy: who sees which sections."""

import pytest

from akiruno.exceptions import NotFound, PermissionDenied
from reports.models import Section
from reports.permissions import policy
from tests import factories


@pytest.fixture
def two_sections(report, koshitsu, zaisei):
    return factories.make_section(koshitsu, report), factories.make_section(zaisei, report)


def test_members_see_only_their_department(editor, two_sections):
    visible = set(policy.visible(editor, Section))
    assert visible == {two_sections[0]}


def test_reviewers_and_admins_see_every_section(reviewer, admin_user, two_sections):
    assert set(policy.visible(reviewer, Section)) == set(two_sections)
    assert set(policy.visible(admin_user, Section)) == set(two_sections)


def test_other_departments_draft_is_not_found_not_forbidden(other_editor, two_sections):
    with pytest.raises(NotFound):
        policy.check(other_editor, "edit", two_sections[0])


def test_own_section_that_is_not_editable_is_forbidden(editor, two_sections):
    section = factories.set_state(two_sections[0], Section.State.IN_REVIEW)
    with pytest.raises(PermissionDenied) as exc:
        policy.check(editor, "edit", section)
    assert "企画政策課審査中" in exc.value.message


def test_anonymous_sees_nothing(client, two_sections):
    from django.contrib.auth.models import AnonymousUser

    assert not policy.visible(AnonymousUser(), Section).exists()


def test_section_state_cannot_be_assigned_directly(section):
    section.state = Section.State.APPROVED
    with pytest.raises(RuntimeError):
        section.save()
    section.refresh_from_db()
    assert section.state == Section.State.DRAFT
