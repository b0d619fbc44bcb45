"""Section transitions: the cycle, strict validation, comments, versions, snapshots, reopen."""

import hashlib
import json

import pytest

from akiruno.exceptions import Conflict, InvalidInput, StaleVersion
from reports.models import (
    AnnualReport,
    ReportEvent,
    ReviewComment,
    Section,
    SectionEvent,
    SectionSnapshot,
)
from reports.permissions import policy
from reports.services import workflow
from reports.snapshot import section_content
from tests import factories
from tests.workflow.helpers import advance, counts, fill, state_of


def test_the_whole_cycle_through_the_services(section, editor, head, reviewer, reviewer2):
    items = fill(section)
    workflow.section_submit(section=section, user=editor)
    workflow.section_return(section=section, user=head, comment="課長：見出しを直して。")
    assert section.state == "returned"
    workflow.section_submit(section=section, user=editor)
    workflow.section_forward(section=section, user=head)
    workflow.section_return(
        section=section,
        user=reviewer,
        comment="表を確認してください。",
        pinned=[{"item": str(items["child"].uid), "comment": "開催回数を追記。"}],
    )
    workflow.section_submit(section=section, user=head)
    workflow.section_forward(section=section, user=head)
    workflow.section_approve(section=section, user=reviewer2)
    assert section.state == "approved"
    actions = list(
        SectionEvent.objects.filter(section=section)
        .order_by("created_at", "id")
        .values_list("action", "from_state", "to_state")
    )
    assert actions == [
        ("submit", "draft", "awaiting_head"),
        ("return", "awaiting_head", "returned"),
        ("submit", "returned", "awaiting_head"),
        ("forward", "awaiting_head", "in_review"),
        ("return", "in_review", "returned"),
        ("submit", "returned", "awaiting_head"),
        ("forward", "awaiting_head", "in_review"),
        ("approve", "in_review", "approved"),
    ]
    assert section.version == 9  # one step per transition


def test_submit_lists_every_problem_at_once_with_its_place(section, editor):
    meeting = factories.make_item(section, "会議")
    sub = factories.make_item(section, "協議会", parent=meeting)
    kyogikai = factories.make_item(section, "会議", parent=sub)
    factories.make_block(kyogikai, "table", {**_table(), "rows": []})
    factories.make_item(section, "")  # empty heading and no content
    factories.make_block(factories.make_item(section, "広報"), "text", {"paragraphs": []})
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        workflow.section_submit(section=section, user=editor)
    messages = list(exc.value.details.values())
    assert "１（１）ア 会議: 表に行がありません。" in messages
    assert "２ （見出しなし）: 見出しが空です。" in messages
    assert "２ （見出しなし）: 本文も下位の見出しもありません。" in messages
    assert "３ 広報: 本文が空です。" in messages
    assert len(messages) == 4
    assert "4件" in exc.value.message
    assert exc.value.status == 400
    assert state_of(section) == ("draft", 1)
    assert counts() == before


def test_an_empty_section_cannot_be_submitted(section, editor):
    with pytest.raises(InvalidInput) as exc:
        workflow.section_submit(section=section, user=editor)
    assert exc.value.details == {"/items": "内容がありません。見出しと本文を入力してください。"}


def _table():
    from tests.workflow.helpers import MEETINGS

    return dict(MEETINGS)


@pytest.mark.parametrize("comment", ["", "   \n ", None])
def test_return_without_a_comment_is_refused_and_leaves_nothing(filled, people, comment):
    advance(filled, "in_review", **people)
    before, version = counts(), state_of(filled)
    with pytest.raises(InvalidInput) as exc:
        workflow.section_return(section=filled, user=people["reviewer"], comment=comment)
    assert exc.value.status == 400
    assert exc.value.details == {"comment": "入力してください。"}
    assert "差戻しの理由" in exc.value.message
    assert counts() == before
    assert state_of(filled) == version


def test_reopen_without_a_reason_is_refused(filled, people):
    advance(filled, "approved", **people)
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        workflow.section_reopen(section=filled, user=people["reviewer"], reason=" ")
    assert exc.value.details == {"reason": "入力してください。"}
    assert counts() == before
    assert state_of(filled)[0] == "approved"


def test_pinned_comments_name_their_place_down_to_the_cell(section, people):
    items = fill(section)
    advance(section, "in_review", **people)
    workflow.section_return(
        section=section,
        user=people["reviewer"],
        comment="全体に表記を統一してください。",
        pinned=[
            {"item": str(items["first"].uid), "comment": "号数を明記。"},
            {
                "item": str(items["child"].uid),
                "block": str(items["table"].uid),
                "row": 2,
                "column": "topic",
                "comment": "研修会の正式名称は？",
            },
        ],
    )
    comments = list(ReviewComment.objects.filter(section=section).order_by("id"))
    assert [(c.place, c.body) for c in comments] == [
        ("", "全体に表記を統一してください。"),
        ("１ 広報活動", "号数を明記。"),
        (
            "２（１） 協議会 ／ 表「開催状況」 2行目（令和６年１１月５日） 「内容」列",
            "研修会の正式名称は？",
        ),
    ]
    assert comments[2].row == 2 and comments[2].column == "topic"
    assert comments[2].block_uid == items["table"].uid
    event = SectionEvent.objects.get(section=section, action="return")
    assert {c.event_id for c in comments} == {event.pk}
    assert event.comment == "全体に表記を統一してください。"


@pytest.mark.parametrize(
    ("pin", "where"),
    [
        ({"item": "00000000-0000-0000-0000-000000000000", "comment": "x"}, "pinned/0/item"),
        ({"item": "{child}", "comment": ""}, "pinned/0/comment"),
        ({"item": "{child}", "block": "{first_block}", "comment": "x"}, "pinned/0/block"),
        ({"item": "{child}", "block": "{table}", "row": 9, "comment": "x"}, "pinned/0/row"),
        (
            {"item": "{child}", "block": "{table}", "column": "nai", "comment": "x"},
            "pinned/0/column",
        ),
        ({"item": "{child}", "row": 1, "comment": "x"}, "pinned/0/block"),
    ],
)
def test_bad_pins_are_refused_with_their_place(section, people, pin, where):
    items = fill(section)
    first_block = items["first"].blocks.get()
    advance(section, "in_review", **people)
    values = {
        "child": str(items["child"].uid),
        "table": str(items["table"].uid),
        "first_block": str(first_block.uid),
    }
    pin = {k: v.format(**values) if isinstance(v, str) else v for k, v in pin.items()}
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        workflow.section_return(
            section=section, user=people["reviewer"], comment="確認を。", pinned=[pin]
        )
    assert where in exc.value.details
    assert counts() == before
    assert state_of(section)[0] == "in_review"


def test_a_stale_version_is_refused(filled, editor):
    with pytest.raises(StaleVersion) as exc:
        workflow.section_submit(section=filled, user=editor, seen_version=filled.version - 1 or 99)
    assert exc.value.status == 409
    assert "表示された後に変更されています" in exc.value.message
    assert state_of(filled) == ("draft", 1)
    assert SectionEvent.objects.count() == 0


def test_an_outdated_object_gets_the_current_state_in_the_conflict(filled, people):
    stale = Section.objects.get(pk=filled.pk)  # loaded while still a draft
    advance(filled, "awaiting_head", **people)
    with pytest.raises(Conflict) as exc:
        workflow.section_submit(section=stale, user=people["editor"])
    assert "「課長確認待ち」" in exc.value.message
    assert SectionEvent.objects.filter(action="submit").count() == 1


def test_compare_and_set_refuses_when_the_row_changed_after_it_was_read(
    filled, people, monkeypatch
):
    """Without any row lock (select_for_update does nothing on SQLite), the conditional
    UPDATE alone stops a second transition based on what was read before the first."""
    advance(filled, "in_review", **people)
    read_before = Section.objects.select_related("report", "department").get(pk=filled.pk)
    workflow.section_return(section=filled, user=people["reviewer"], comment="直して。")
    monkeypatch.setattr(workflow, "_lock", lambda pk: read_before)
    before = counts()
    with pytest.raises(Conflict) as exc:
        workflow.section_approve(section=filled, user=people["reviewer"])
    assert "他の操作で状態が変わりました" in exc.value.message
    assert counts() == before
    assert state_of(filled)[0] == "returned"


def test_every_event_points_at_a_snapshot_with_the_canonical_checksum(filled, people):
    advance(filled, "in_review", **people)
    expected = section_content(filled)
    text = json.dumps(expected, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    events = list(SectionEvent.objects.filter(section=filled))
    assert len(events) == 2
    snapshot = events[0].snapshot
    assert snapshot.content == expected
    assert snapshot.checksum == hashlib.sha256(text.encode()).hexdigest()
    # unchanged content between submit and forward: one snapshot, both events point at it
    assert {e.snapshot_id for e in events} == {snapshot.pk}
    assert SectionSnapshot.objects.count() == 1


def test_the_snapshot_is_what_was_acted_on_even_if_content_changes_later(filled, people):
    advance(filled, "approved", **people)
    approved = SectionEvent.objects.get(action="approve").snapshot
    frozen = json.dumps(approved.content, sort_keys=True)
    block = filled.items.get(heading="広報活動").blocks.get()
    block.data = {"paragraphs": ["後から書き換えた。"]}
    block.save()
    approved.refresh_from_db()
    assert json.dumps(approved.content, sort_keys=True) == frozen
    assert "後から書き換えた。" not in frozen


@pytest.mark.parametrize("state", ["awaiting_head", "in_review", "approved"])
def test_nobody_may_edit_a_section_that_is_not_draft_or_returned(
    filled, people, admin_user, planning_head, state
):
    advance(filled, state, **people)
    for user in [*people.values(), admin_user, planning_head]:
        assert not policy.can(user, "edit", filled)
    with pytest.raises(RuntimeError):
        filled.state = "draft"
        filled.save()


def test_reopen_withdraws_the_reports_approval(filled, people, planning_head):
    advance(filled, "approved", **people)
    workflow.report_approve(report=filled.report, user=planning_head)
    assert AnnualReport.objects.get().state == "approved"
    workflow.section_reopen(section=filled, user=people["reviewer"], reason="誤字がありました。")
    report = AnnualReport.objects.get()
    assert (report.state, report.approved_at, report.approved_by) == ("preparing", None, None)
    reopen = ReportEvent.objects.get(action="reopen")
    assert reopen.actor == people["reviewer"]
    assert "誤字がありました。" in reopen.comment
    assert state_of(filled)[0] == "returned"
    assert ReviewComment.objects.get(event__action="reopen").body == "誤字がありました。"


def test_reopen_after_publication_is_refused_to_an_ordinary_reviewer(filled, people):
    from akiruno.exceptions import PermissionDenied

    advance(filled, "approved", **people)
    AnnualReport.objects.filter(pk=filled.report_id).update(state="published")
    before = counts()
    with pytest.raises(PermissionDenied) as exc:
        workflow.section_reopen(section=filled, user=people["reviewer"], reason="直したい。")
    assert "公開済み" in exc.value.message and "企画政策課長" in exc.value.message
    assert counts() == before


def test_reopen_after_publication_is_a_correction_by_the_planning_head(
    filled, people, planning_head
):
    advance(filled, "approved", **people)
    AnnualReport.objects.filter(pk=filled.report_id).update(state="published")
    workflow.section_reopen(section=filled, user=planning_head, reason="誤字を訂正する。")
    filled.refresh_from_db()
    assert filled.state == "returned"
    assert AnnualReport.objects.get(pk=filled.report_id).state == "preparing"


def test_reopening_a_published_section_is_still_a_403_for_the_department(filled, people):
    from akiruno.exceptions import PermissionDenied

    advance(filled, "approved", **people)
    AnnualReport.objects.filter(pk=filled.report_id).update(state="published")
    with pytest.raises(PermissionDenied):
        workflow.section_reopen(section=filled, user=people["head"], reason="直したい。")
