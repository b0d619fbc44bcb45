"""The permission matrix for writing sections: role × own/other department × state × action.

Checked twice: against the policy (and the services that ask it), and end to end through the
staff pages, where another department's section is a 404 (its existence does not leak).
"""

import pytest
from django.urls import reverse

from reports.models import Item, SectionRevision
from reports.permissions import policy
from reports.services import content as svc
from tests import factories

STATES = ["draft", "returned", "awaiting_head", "in_review", "approved"]
EDITABLE = {"draft", "returned"}


@pytest.fixture
def people(editor, head, other_editor, reviewer, admin_user, zaisei):
    other_head = factories.make_user("zaisei-kacho", department=zaisei, head=True)
    return {
        "editor": editor,
        "head": head,
        "other_editor": other_editor,
        "other_head": other_head,
        "reviewer": reviewer,
        "admin": admin_user,
    }


def expected(role: str, state: str, action: str) -> str:
    """'ok', 'forbidden' (403) or 'hidden' (404)."""
    own = role in {"editor", "head"}
    if action in {"view", "preview", "history"}:
        return "ok" if own or role in {"reviewer", "admin"} else "hidden"
    # edit / restore
    if not own:
        return "forbidden" if role in {"reviewer", "admin"} else "hidden"
    return "ok" if state in EDITABLE else "forbidden"


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize(
    "role", ["editor", "head", "other_editor", "other_head", "reviewer", "admin"]
)
@pytest.mark.parametrize("action", ["view", "preview", "history", "edit", "restore"])
def test_policy_matrix(section, people, role, state, action):
    factories.set_state(section, state)
    user = people[role]
    want = expected(role, state, action)
    assert policy.can(user, action, section) is (want == "ok")
    if want == "hidden":
        assert not policy.can(user, "view", section)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize(
    "role", ["editor", "head", "other_editor", "other_head", "reviewer", "admin"]
)
def test_service_writes_follow_the_matrix(section, people, role, state):
    item = factories.make_item(section, "既存")
    factories.set_state(section, state)
    user = people[role]
    want = expected(role, state, "edit")
    before = SectionRevision.objects.count()
    if want == "ok":
        svc.item_update(item=item, user=user, heading="変更", expected_version=item.version)
        assert Item.objects.get(pk=item.pk).heading == "変更"
        assert SectionRevision.objects.count() == before + 1
        return
    from akiruno.exceptions import NotFound, PermissionDenied

    error = NotFound if want == "hidden" else PermissionDenied
    with pytest.raises(error):
        svc.item_update(item=item, user=user, heading="変更", expected_version=item.version)
    assert Item.objects.get(pk=item.pk).heading == "既存"
    assert SectionRevision.objects.count() == before


@pytest.mark.parametrize("state", ["draft", "in_review"])
@pytest.mark.parametrize(
    "role", ["editor", "head", "other_editor", "other_head", "reviewer", "admin"]
)
def test_pages_follow_the_matrix(client, section, people, role, state):
    item = factories.make_item(section, "既存")
    factories.set_state(section, state)
    client.force_login(people[role])
    status = {"ok": 200, "hidden": 404, "forbidden": 403}
    for action, url in [
        ("view", reverse("section-editor", args=[section.pk])),
        ("preview", reverse("section-preview", args=[section.pk])),
        ("history", reverse("section-history", args=[section.pk])),
    ]:
        assert client.get(url).status_code == status[expected(role, state, action)], (action, url)
    response = client.post(
        reverse("item-update", args=[item.pk]), {"heading": "変更", "version": item.version}
    )
    want = expected(role, state, "edit")
    assert response.status_code == (302 if want == "ok" else status[want])
    changed = Item.objects.get(pk=item.pk).heading == "変更"
    assert changed is (want == "ok")


def test_other_departments_sections_are_not_listed(client, section, other_editor, zaisei):
    own = factories.make_section(zaisei, section.report)
    client.force_login(other_editor)
    page = client.get(reverse("report-sections", args=[2024])).content.decode()
    assert reverse("section-editor", args=[own.pk]) in page
    assert reverse("section-editor", args=[section.pk]) not in page
    assert "市長公室" not in page


def test_reviewer_reads_every_section_but_edits_none(client, section, reviewer):
    factories.make_item(section, "見出し")
    client.force_login(reviewer)
    page = client.get(reverse("section-editor", args=[section.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "見出し" in html
    assert 'name="heading"' not in html  # read-only: no editing forms


def test_anonymous_is_sent_to_login(client, section):
    response = client.get(reverse("section-editor", args=[section.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
