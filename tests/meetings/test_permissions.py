"""The permission matrix of meetings, asked of the one policy."""

import pytest
from django.contrib.auth.models import AnonymousUser

from akiruno.exceptions import NotFound, PermissionDenied
from meetings.models import ManualCount, MeetingBody, MeetingSession
from meetings.permissions import can_create_body, can_record_meetings
from reports.permissions import policy
from tests import factories
from tests.meetings.factories import make_body, make_manual_count, make_session


@pytest.fixture
def records(koshitsu):
    body = make_body(koshitsu, "全国市長会", key="zenkoku")
    return body, make_session(body, "2024-06-01"), make_manual_count(body, "総会", 1)


@pytest.mark.parametrize(
    ("who", "sees", "edits"),
    [
        ("editor", True, True),
        ("head", True, True),
        ("other_editor", False, False),
        ("reviewer", True, False),
        ("admin_user", True, True),
        ("anonymous", False, False),
        ("no_role", False, False),
    ],
)
def test_matrix(request, records, koshitsu, who, sees, edits):
    if who == "anonymous":
        user = AnonymousUser()
    elif who == "no_role":
        user = factories.make_user("no-role", department=koshitsu)
    else:
        user = request.getfixturevalue(who)
    for obj in records:
        assert policy.can(user, "view", obj) is sees
        assert policy.can(user, "edit", obj) is edits
        model = type(obj)
        assert policy.visible(user, model).filter(pk=obj.pk).exists() is (sees or who == "no_role")
    body = records[0]
    for action in ("delete", "add_session", "add_count"):
        assert policy.can(user, action, body) is edits
    if not sees:
        with pytest.raises(NotFound):
            policy.check(user, "edit", body)
    elif not edits:
        with pytest.raises(PermissionDenied):
            policy.check(user, "edit", body)
    assert can_create_body(user, koshitsu) is edits


def test_who_may_record_meetings_at_all(editor, head, reviewer, planning_head, admin_user):
    assert can_record_meetings(editor) and can_record_meetings(head)
    assert can_record_meetings(planning_head) and can_record_meetings(admin_user)
    assert not can_record_meetings(reviewer)  # a reviewer without editor or head role
    assert not can_record_meetings(AnonymousUser())


def test_visible_querysets_by_department(editor, other_editor, reviewer, records, zaisei):
    make_body(zaisei, "財政の会議", key="zaisei")
    assert list(policy.visible(editor, MeetingBody).values_list("key", flat=True)) == ["zenkoku"]
    assert list(policy.visible(other_editor, MeetingBody).values_list("key", flat=True)) == [
        "zaisei"
    ]
    assert policy.visible(reviewer, MeetingBody).count() == 2
    assert policy.visible(other_editor, MeetingSession).count() == 0
    assert policy.visible(other_editor, ManualCount).count() == 0
