"""Return comments: the department marks each resolved; the reviewer sees the marks."""

import pytest

from akiruno.exceptions import Conflict, NotFound, PermissionDenied
from reports.models import ReviewComment
from reports.services import workflow
from tests.workflow.helpers import advance, fill


@pytest.fixture
def returned(section, people):
    items = fill(section)
    advance(section, "in_review", **people)
    workflow.section_return(
        section=section,
        user=people["reviewer"],
        comment="全般：表記の統一を。",
        pinned=[
            {"item": str(items["first"].uid), "comment": "号数を明記。"},
            {"item": str(items["child"].uid), "comment": "回数を追記。"},
        ],
    )
    return section


def test_the_department_marks_comments_resolved_and_back(returned, people):
    comment = ReviewComment.objects.get(body="号数を明記。")
    workflow.comment_resolve(comment=comment, user=people["editor"])
    comment.refresh_from_db()
    assert comment.is_resolved and comment.resolved_by == people["editor"]
    workflow.comment_resolve(comment=comment, user=people["head"], resolved=False)
    comment.refresh_from_db()
    assert not comment.is_resolved and comment.resolved_by is None


@pytest.mark.parametrize("who", ["reviewer", "other_editor", "admin_user"])
def test_others_may_not_mark_comments(returned, people, other_editor, admin_user, who):
    user = {"reviewer": people["reviewer"], "other_editor": other_editor, "admin_user": admin_user}[
        who
    ]
    comment = ReviewComment.objects.get(body="号数を明記。")
    expected = NotFound if who == "other_editor" else PermissionDenied
    with pytest.raises(expected):
        workflow.comment_resolve(comment=comment, user=user)
    comment.refresh_from_db()
    assert not comment.is_resolved


def test_marks_are_frozen_once_resubmitted_and_visible_to_the_reviewer(returned, people, client):
    first, second = ReviewComment.objects.filter(item_uid__isnull=False).order_by("id")
    workflow.comment_resolve(comment=first, user=people["editor"])
    workflow.section_submit(section=returned, user=people["editor"])
    with pytest.raises(Conflict) as exc:
        workflow.comment_resolve(comment=second, user=people["editor"])
    assert "課長確認待ち" in exc.value.message
    workflow.section_forward(section=returned, user=people["head"])

    client.force_login(people["reviewer"])
    html = client.get(f"/staff/sections/{returned.pk}/review/").content.decode()
    assert "対応済み 1／3件" in html
    first_block = html[html.index(f'id="comment-{first.pk}"') :][:600]
    second_block = html[html.index(f'id="comment-{second.pk}"') :][:600]
    assert "badge--done" in first_block and "号数を明記。" in first_block
    assert "badge--open" in second_block and "回数を追記。" in second_block
    # the pinned comments sit next to their items: each inside its item's section
    item_start = html.index(f'id="item-{first.item_uid}"')
    assert (
        item_start
        < html.index(f'id="comment-{first.pk}"')
        < html.index('id="item-', item_start + 1)
    )


def test_comments_of_an_earlier_return_cannot_be_changed(returned, people):
    old = ReviewComment.objects.get(body="号数を明記。")
    workflow.section_submit(section=returned, user=people["editor"])
    workflow.section_forward(section=returned, user=people["head"])
    workflow.section_return(section=returned, user=people["reviewer"], comment="もう一度。")
    with pytest.raises(Conflict):
        workflow.comment_resolve(comment=old, user=people["editor"])


def test_the_comments_partial_for_other_pages(returned, people):
    from django.template.loader import render_to_string

    html = render_to_string(
        "staff/workflow/_return_comments.html", {"section": returned, "user": people["editor"]}
    )
    assert "（対応済み 0／3件）" in html
    assert html.count("対応済みにする") == 3
    html = render_to_string(
        "staff/workflow/_return_comments.html", {"section": returned, "user": people["reviewer"]}
    )
    assert "対応済みにする" not in html and "号数を明記。" in html


def test_the_editor_shows_each_comment_at_its_item_and_marks_it_there(
    returned, people, client, django_assert_max_num_queries
):
    """Comments where the fix is made (issue 16): the editor of a returned section lists the
    reviewer's comments, shows each pinned one under its item, and marks it addressed there."""
    from reports.models import Item

    client.force_login(people["editor"])
    url = f"/staff/sections/{returned.pk}/"
    with django_assert_max_num_queries(16):
        html = client.get(url).content.decode()
    assert "差戻しコメント（未対応 3件／3件）" in html
    comment = ReviewComment.objects.get(body="号数を明記。")
    item = Item.objects.get(uid=comment.item_uid)
    # Pinned: inside the item's own section of the editor, after its heading.
    start = html.index(f'id="item-{item.pk}"')
    end = html.index('class="ed-item ', start + 1)
    assert f'id="comment-{comment.pk}"' in html[start:end] and "号数を明記。" in html[start:end]
    # General: in the panel at the top, before the tree.
    assert html.index("全般：表記の統一を。") < html.index('id="section-tree"')
    assert f'<input type="hidden" name="next" value="{url}#comment-{comment.pk}">' in html

    response = client.post(
        f"/staff/sections/{returned.pk}/comments/{comment.pk}/resolve/",
        {"resolved": "1", "next": f"{url}#comment-{comment.pk}"},
    )
    assert response.status_code == 302 and response["Location"] == f"{url}#comment-{comment.pk}"
    comment.refresh_from_db()
    assert comment.is_resolved and comment.resolved_by == people["editor"]
    html = client.get(url).content.decode()
    assert "差戻しコメント（未対応 2件／3件）" in html
    assert "未対応に戻す" in html


def test_the_editor_shows_no_comments_once_the_section_has_moved_on(returned, people, client):
    workflow.section_submit(section=returned, user=people["editor"])
    client.force_login(people["editor"])
    html = client.get(f"/staff/sections/{returned.pk}/").content.decode()
    assert "差戻しコメント（" not in html and "号数を明記。" not in html
