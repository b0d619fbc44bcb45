"""The review workflow: every change of a section's or the report's state happens here.

A section moves draft → awaiting_head → in_review → approved, and back to returned from
awaiting_head, in_review (a return) or approved (a reopen). Each transition is one function that

1. locks and re-reads the section (select_for_update; a no-op on SQLite, where the IMMEDIATE
   transaction already serialises writers),
2. checks the actor with the permission policy (404 when the section is not theirs to see,
   403 for the wrong role), then the state (409 naming the current state) and the version the
   user saw (409), then the input (400, every problem at once),
3. compare-and-sets state and version, so exactly one of two racing transitions wins,
4. freezes the content acted on as a SectionSnapshot and appends a SectionEvent pointing at it;
   both record the content version acted on (第N版), which a transition never raises,
5. creates the in-app notifications in the same transaction and sends mail after commit.

Nothing else assigns a section's state: Section.save() refuses it, and a convention test fails
on any `Section…update(state=…)` outside this module.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from akiruno.exceptions import Conflict, InvalidInput, NotFound, PermissionDenied, StaleVersion
from akiruno.numbering import label
from reports import blocks
from reports.models import (
    AnnualReport,
    ReportEvent,
    ReviewComment,
    Section,
    SectionEvent,
    SectionRevision,
    SectionSnapshot,
    User,
)
from reports.permissions import Actor, is_reviewer, policy
from reports.services import notifications, rendering
from reports.snapshot import section_content, walk

logger = logging.getLogger(__name__)

S = Section.State
MAX_COMMENT = 10_000
MAX_PINNED = 300


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: tuple[str, ...]
    target: str


TRANSITIONS: dict[str, Transition] = {
    "submit": Transition("submit", "提出", (S.DRAFT, S.RETURNED), S.AWAITING_HEAD),
    "forward": Transition("forward", "企画政策課へ送付", (S.AWAITING_HEAD,), S.IN_REVIEW),
    "return": Transition("return", "差戻し", (S.AWAITING_HEAD, S.IN_REVIEW), S.RETURNED),
    "approve": Transition("approve", "承認", (S.IN_REVIEW,), S.APPROVED),
    "reopen": Transition("reopen", "再開", (S.APPROVED,), S.RETURNED),
}


# -- separation of duties ----------------------------------------------------------------------


def last_return_at(section: Section):
    """When the section last went back to the department (return or reopen), or None."""
    return (
        SectionEvent.objects.filter(section_id=section.pk, to_state=S.RETURNED)
        .order_by("-created_at", "-id")
        .values_list("created_at", flat=True)
        .first()
    )


def approve_refusal_reason(user: Actor, section: Section) -> str | None:
    """Why this reviewer may not approve: they edited, submitted or forwarded this round."""
    if not is_reviewer(user) or section.pk is None:
        return None
    since = last_return_at(section)
    revisions = SectionRevision.objects.filter(section_id=section.pk, user_id=user.pk)
    events = SectionEvent.objects.filter(
        section_id=section.pk,
        actor_id=user.pk,
        action__in=[SectionEvent.Action.SUBMIT, SectionEvent.Action.FORWARD],
    )
    if since is not None:
        revisions = revisions.filter(created_at__gt=since)
        events = events.filter(created_at__gt=since)
    if revisions.exists():
        return (
            "前回の差戻し以降にこの課別報告を編集しているため、承認できません（職務の分離）。"
            "他の審査担当に承認を依頼してください。"
        )
    acted = set(events.values_list("action", flat=True))
    if SectionEvent.Action.FORWARD in acted:
        return "この課別報告を送付した本人は承認できません（職務の分離）。他の審査担当に承認を依頼してください。"
    if SectionEvent.Action.SUBMIT in acted:
        return "この課別報告を提出した本人は承認できません（職務の分離）。他の審査担当に承認を依頼してください。"
    return None


if approve_refusal_reason not in policy.approve_guards:
    policy.approve_guards.append(approve_refusal_reason)


# -- checks ------------------------------------------------------------------------------------


def _in_state(section: Section, state: str) -> Section:
    """A copy of the section in another state, to ask the policy about the actor alone."""
    clone = copy.copy(section)
    clone.state = state
    return clone


def check_actor(user: Actor, action: str, section: Section) -> None:
    """404 if the user may not see the section, 403 if their role may not do `action` here.

    A wrong state is not decided here: a user whose role could do the action in one of its
    source states passes, so that the caller answers 409 with the current state.
    """
    transition = TRANSITIONS[action]
    policy.check(user, "view", section)
    if (
        action == "reopen"
        and section.report.state == AnnualReport.State.PUBLISHED
        and not policy.can(user, "reopen", section)
    ):
        # After publication a reopen is a correction (正誤), for the planning division's head.
        raise PermissionDenied(
            "公開済みの報告書の訂正（再開）は、企画政策課長のみ行えます。",
            details={"report_state": section.report.state},
            code="published",
        )
    if section.state in transition.sources:
        if action == "approve" and is_reviewer(user):
            reason = policy.approve_refusal(user, section)
            if reason:
                raise PermissionDenied(reason, code="separation_of_duties")
        policy.check(user, action, section)
        return
    if not any(policy.can(user, action, _in_state(section, s)) for s in transition.sources):
        raise PermissionDenied(policy.denied_message(action, section))


def _wrong_state(section: Section, transition: Transition) -> Conflict:
    allowed = "・".join(f"「{S(s).label}」" for s in transition.sources)
    return Conflict(
        f"この課別報告は現在「{section.get_state_display()}」のため、{transition.label}できません"
        f"（{transition.label}できるのは{allowed}のときです）。画面を更新して状態を確かめてください。",
        details={"state": section.state},
        code="wrong_state",
    )


def _lock(section_id: int) -> Section:
    try:
        return (
            Section.objects.select_for_update(of=("self",))
            .select_related("report", "department")
            .get(pk=section_id)
        )
    except Section.DoesNotExist:
        raise NotFound("見つかりません。") from None


# -- strict validation -------------------------------------------------------------------------


def item_places(content: dict) -> list[tuple[str, str, dict]]:
    """(pointer, "１（２）ア 会議", item) for every item of a content tree, in reading order."""
    out: list[tuple[str, str, dict]] = []
    numbers: list[str] = []
    pointers: list[str] = []
    for depth, index, item in walk(content.get("items", [])):
        del numbers[depth - 1 :]
        del pointers[depth - 1 :]
        try:
            numbers.append(label(depth, index))
        except ValueError:
            numbers.append(f"（{index}番目）")
        parent = pointers[-1] + "/children" if pointers else "/items"
        pointers.append(f"{parent}/{index - 1}")
        heading = (item.get("heading") or "").strip() or "（見出しなし）"
        out.append((pointers[-1], f"{''.join(numbers)} {heading}", item))
    return out


def submit_problems(content: dict) -> dict[str, str]:
    """Every problem that blocks submission, keyed by JSON pointer, each naming its place."""
    problems: dict[str, str] = {}
    if not content.get("items"):
        problems["/items"] = "内容がありません。見出しと本文を入力してください。"
        return problems
    for depth, index, _item in walk(content["items"]):
        try:
            label(depth, index)
        except ValueError as exc:
            problems.setdefault(f"/numbering/{depth}", str(exc))
    for pointer, place, item in item_places(content):
        if not (item.get("heading") or "").strip():
            problems[f"{pointer}/heading"] = f"{place}: 見出しが空です。"
        item_blocks = item.get("blocks", [])
        if not item_blocks and not item.get("children"):
            problems[pointer] = f"{place}: 本文も下位の見出しもありません。"
        for b_index, block in enumerate(item_blocks):
            where = f"{pointer}/blocks/{b_index}"
            try:
                kind = blocks.get(block["kind"])
            except InvalidInput as exc:
                problems[where] = f"{place}: {exc.message}"
                continue
            for problem in kind.strict_problems(block.get("data", {}), block.get("resolved")):
                problems[f"{where}{problem.where}"] = f"{place}: {problem.message}"
    return problems


# -- snapshots ---------------------------------------------------------------------------------


def take_snapshot(section: Section, content: dict | None = None) -> SectionSnapshot:
    """Freeze the content; an unchanged content reuses the section's latest snapshot."""
    if content is None:
        content = section_content(section)
    text = rendering.canonical_json(content).decode()
    checksum = hashlib.sha256(text.encode("utf-8")).hexdigest()
    latest = SectionSnapshot.objects.filter(section_id=section.pk).order_by("-id").first()
    if (
        latest is not None
        and latest.checksum == checksum
        and latest.content_version == section.content_version
    ):
        return latest
    return SectionSnapshot.objects.create(
        section=section,
        section_version=section.version,
        content_version=section.content_version,
        content=json.loads(text),
        checksum=checksum,
    )


# -- pinned comments ---------------------------------------------------------------------------


def block_label(block: dict) -> str:
    try:
        kind_label = blocks.get(block["kind"]).label or block["kind"]
    except InvalidInput:
        kind_label = block.get("kind", "")
    caption = (block.get("data") or {}).get("caption")
    return f"{kind_label}「{caption}」" if caption else kind_label


def block_tables(block: dict) -> list:
    try:
        return blocks.get(block["kind"]).tables(block.get("data", {}), block.get("resolved"))
    except Exception:  # a block that cannot be computed has no cells to pin to
        logger.warning("tables() failed for block %s", block.get("uid"), exc_info=True)
        return []


def clean_pinned(content: dict, pinned: Iterable[dict]) -> list[dict]:
    """Validate comments pinned to items, blocks or table cells; return them with their place.

    A pin is {"item": uid, "block": uid?, "table": 0?, "row": 1?, "column": key?, "comment": str}.
    `row` counts the table's printed rows from 1 (total rows included); `column` is a column key.
    """
    items: dict[str, tuple[str, dict]] = {}
    for _pointer, place, item in item_places(content):
        if item.get("uid"):
            items[str(item["uid"])] = (place, item)
    errors: dict[str, str] = {}
    cleaned: list[dict] = []
    pinned = list(pinned or [])
    if len(pinned) > MAX_PINNED:
        raise InvalidInput(
            f"場所を指定したコメントは{MAX_PINNED}件までです（{len(pinned)}件）。",
            details={"pinned": f"{MAX_PINNED}件以内にしてください。"},
        )
    for i, pin in enumerate(pinned):
        where = f"pinned/{i}"
        if not isinstance(pin, dict):
            errors[where] = "コメントは項目・ブロック・セルとコメント本文で指定してください。"
            continue
        body = pin.get("comment")
        body = body.replace("\r\n", "\n").strip() if isinstance(body, str) else ""
        if not body:
            errors[f"{where}/comment"] = "コメントを入力してください。"
        elif len(body) > MAX_COMMENT:
            errors[f"{where}/comment"] = f"{MAX_COMMENT:,}文字以内で入力してください。"
        item_uid = str(pin.get("item") or "")
        if item_uid not in items:
            errors[f"{where}/item"] = "指定された項目はこの課別報告にありません。"
            continue
        place, item = items[item_uid]
        out = {"item_uid": item_uid, "block_uid": None, "table_index": None, "row": None}
        out.update({"column": "", "body": body, "place": place})
        block_uid = str(pin.get("block") or "")
        if block_uid:
            block = next(
                (b for b in item.get("blocks", []) if str(b.get("uid")) == block_uid), None
            )
            if block is None:
                errors[f"{where}/block"] = "指定されたブロックはこの項目にありません。"
                continue
            out["block_uid"] = block_uid
            out["place"] = f"{place} ／ {block_label(block)}"
            row, column = pin.get("row"), pin.get("column")
            if row not in (None, "") or column not in (None, ""):
                cell_place = _clean_cell(block, pin, out, errors, where)
                if cell_place:
                    out["place"] = f"{place} ／ {cell_place}"
        elif pin.get("row") not in (None, "") or pin.get("column") not in (None, ""):
            errors[f"{where}/block"] = "セルを指定するときは表（ブロック）も指定してください。"
        cleaned.append(out)
    if errors:
        raise InvalidInput(
            f"場所を指定したコメントに誤りがあります（{len(errors)}件）。", details=errors
        )
    return cleaned


def _clean_cell(block: dict, pin: dict, out: dict, errors: dict, where: str) -> str | None:
    views = block_tables(block)
    try:
        table_index = int(pin.get("table") or 0)
    except (TypeError, ValueError):
        table_index = -1
    if not 0 <= table_index < len(views):
        errors[f"{where}/table"] = "このブロックには指定された表がありません。"
        return None
    table = views[table_index]
    parts = [f"表「{table.caption}」" if table.caption else "表"]
    out["table_index"] = table_index
    row = pin.get("row")
    if row not in (None, ""):
        try:
            row = int(row)
        except (TypeError, ValueError):
            row = 0
        if not 1 <= row <= len(table.rows):
            errors[f"{where}/row"] = f"行は 1～{len(table.rows)} で指定してください。"
            return None
        out["row"] = row
        cells = table.rows[row - 1].cells
        header = table.row_header if table.row_header is not None else 0
        name = cells[header].display if header < len(cells) else ""
        parts.append(f"{row}行目" + (f"（{name}）" if name else ""))
    column = pin.get("column")
    if column not in (None, ""):
        col = next((c for c in table.columns if c.get("key") == column), None)
        if col is None:
            errors[f"{where}/column"] = "指定された列はこの表にありません。"
            return None
        out["column"] = column
        parts.append(f"「{col.get('label', column)}」列")
    return " ".join(parts)


# -- the section transitions -------------------------------------------------------------------


def _transition(
    *,
    section: Section,
    user: User,
    action: str,
    seen_version: int | None,
    comment: str = "",
    validate: Callable[[Section, dict], Any] | None = None,
) -> tuple[Section, SectionEvent, Any]:
    transition = TRANSITIONS[action]
    current = _lock(section.pk)
    check_actor(user, action, current)
    if current.state not in transition.sources:
        raise _wrong_state(current, transition)
    if seen_version is not None and int(seen_version) != current.version:
        raise StaleVersion(
            "この課別報告は表示された後に変更されています（内容の保存または審査の操作）。"
            f"いまの内容は第{current.content_version}版です。"
            "画面を更新して内容を確かめてから、もう一度操作してください。",
            details={"version": current.version},
        )
    content = section_content(current)
    extra = validate(current, content) if validate else None
    updated = Section.objects.filter(
        pk=current.pk, state=current.state, version=current.version
    ).update(state=transition.target, version=F("version") + 1)
    if not updated:
        raise Conflict(
            "他の操作で状態が変わりました。画面を更新してから、もう一度操作してください。"
        )
    snapshot = take_snapshot(current, content)
    event = SectionEvent.objects.create(
        section=current,
        action=action,
        from_state=current.state,
        to_state=transition.target,
        actor=user,
        comment=comment,
        snapshot=snapshot,
        section_version=current.version,
        content_version=current.content_version,
    )
    current.refresh_from_db()
    if section is not current:
        section.refresh_from_db()
    return current, event, extra


def _normalise(text: Any) -> str:
    return text.replace("\r\n", "\n").strip() if isinstance(text, str) else ""


def _clean_comment(comment: Any, *, field: str, what: str) -> str:
    text = _normalise(comment)
    if not text:
        raise InvalidInput(f"{what}を入力してください。", details={field: "入力してください。"})
    if len(text) > MAX_COMMENT:
        raise InvalidInput(
            f"{what}は{MAX_COMMENT:,}文字以内で入力してください（{len(text):,}文字）。",
            details={field: f"{MAX_COMMENT:,}文字以内で入力してください。"},
        )
    return text


def _notify(event: SectionEvent, comments: list[ReviewComment] | None = None) -> None:
    notifications.notify_section_event(event=event, comments=comments or [])


@transaction.atomic
def section_submit(*, section: Section, user: User, seen_version: int | None = None) -> Section:
    """Submit to the head of the department (draft/returned → awaiting_head) after strict checks."""

    def validate(current: Section, content: dict) -> None:
        problems = submit_problems(content)
        if problems:
            raise InvalidInput(
                f"提出できません。次の{len(problems)}件を直してください。",
                details=problems,
                code="incomplete",
            )

    current, event, _ = _transition(
        section=section, user=user, action="submit", seen_version=seen_version, validate=validate
    )
    _notify(event)
    return current


@transaction.atomic
def section_forward(*, section: Section, user: User, seen_version: int | None = None) -> Section:
    """The head signs off (決裁) and sends the section to the planning division."""
    current, event, _ = _transition(
        section=section, user=user, action="forward", seen_version=seen_version
    )
    _notify(event)
    return current


@transaction.atomic
def section_return(
    *,
    section: Section,
    user: User,
    comment: str,
    pinned: Iterable[dict] = (),
    seen_version: int | None = None,
) -> Section:
    """Return to the department with a required comment and optional comments pinned to places."""

    def validate(current: Section, content: dict) -> tuple[str, list[dict]]:
        errors: dict[str, str] = {}
        text = ""
        try:
            text = _clean_comment(comment, field="comment", what="差戻しの理由（コメント）")
        except InvalidInput as exc:
            errors.update(exc.details)
        pins: list[dict] = []
        try:
            pins = clean_pinned(content, pinned)
        except InvalidInput as exc:
            errors.update(exc.details)
        if errors:
            message = (
                "差戻しの理由（コメント）を入力してください。"
                if "comment" in errors
                else "場所を指定したコメントに誤りがあります。"
            )
            raise InvalidInput(message, details=errors)
        return text, pins

    current, event, (text, pins) = _transition(
        section=section,
        user=user,
        action="return",
        seen_version=seen_version,
        comment=_normalise(comment),
        validate=validate,
    )
    comments = [ReviewComment(section=current, event=event, author=user, body=text)]
    comments += [ReviewComment(section=current, event=event, author=user, **pin) for pin in pins]
    ReviewComment.objects.bulk_create(comments)
    _notify(event, comments)
    return current


@transaction.atomic
def section_approve(*, section: Section, user: User, seen_version: int | None = None) -> Section:
    """A reviewer who did not edit, submit or forward it this round approves the section."""
    current, event, _ = _transition(
        section=section, user=user, action="approve", seen_version=seen_version
    )
    _notify(event)
    return current


@transaction.atomic
def section_reopen(
    *, section: Section, user: User, reason: str, seen_version: int | None = None
) -> Section:
    """Take an approved section back to the department.

    An approved report goes back to preparing (its approval is withdrawn, with an event). After
    publication only the planning division's head may reopen (a correction, 正誤); the public
    keeps the published edition until the corrected report's build supersedes it.
    """

    def validate(current: Section, content: dict) -> str:
        return _clean_comment(reason, field="reason", what="再開の理由")

    current, event, text = _transition(
        section=section,
        user=user,
        action="reopen",
        seen_version=seen_version,
        comment=_normalise(reason),
        validate=validate,
    )
    comments = [ReviewComment(section=current, event=event, author=user, body=text)]
    ReviewComment.objects.bulk_create(comments)
    report = AnnualReport.objects.select_for_update().get(pk=current.report_id)
    if report.state in (AnnualReport.State.APPROVED, AnnualReport.State.PUBLISHED):
        # A reopen after publication is a correction: the report is prepared again and the
        # published edition stays public until a new build supersedes it.
        changed = AnnualReport.objects.filter(
            pk=report.pk, state=report.state, version=report.version
        ).update(
            state=AnnualReport.State.PREPARING,
            version=F("version") + 1,
            approved_at=None,
            approved_by=None,
        )
        if not changed:
            raise Conflict("報告書の状態が他の操作で変わりました。画面を更新してください。")
        ReportEvent.objects.create(
            report=report,
            action=ReportEvent.Action.REOPEN,
            actor=user,
            comment=f"{current.department_name}を再開: {text}",
        )
    _notify(event, comments)
    return current


# -- the report --------------------------------------------------------------------------------


def report_is_approvable(report: AnnualReport) -> tuple[bool, list[str]]:
    """Whether every section is approved and the report awaits approval; if not, why not."""
    reasons: list[str] = []
    if report.state != AnnualReport.State.PREPARING:
        reasons.append(f"報告書は既に「{report.get_state_display()}」です。")
    sections = list(
        Section.objects.filter(report_id=report.pk)
        .order_by("department__display_order", "department__code")
        .values_list("department_name", "state")
    )
    if not sections:
        reasons.append("課別報告がありません。")
    for name, state in sections:
        if state != S.APPROVED:
            reasons.append(f"{name}: 「{S(state).label}」（未承認）")
    return not reasons, reasons


def report_figure_problems(report: AnnualReport) -> dict[str, str]:
    """The figures of every section checked again, as at submission, against the records as
    they are now (finance and meeting records may have changed since a section was approved).

    Keyed by /sections/<課コード><pointer in the section>; each message names the 課 and the
    item. Empty when every figure passes."""
    problems: dict[str, str] = {}
    sections = (
        Section.objects.filter(report_id=report.pk)
        .select_related("department", "report")
        .order_by("department__display_order", "department__code")
    )
    for section in sections:
        content = section_content(section)
        for pointer, place, item in item_places(content):
            for b_index, block in enumerate(item.get("blocks", [])):
                try:
                    kind = blocks.get(block["kind"])
                except InvalidInput:
                    continue
                for problem in kind.strict_problems(block.get("data", {}), block.get("resolved")):
                    key = f"/sections/{section.department.code}{pointer}/blocks/{b_index}"
                    problems[f"{key}{problem.where}"] = (
                        f"{section.department_name} {place}: {problem.message}"
                    )
    return problems


def schedule_assembly(report_id: int, user_id: int) -> None:
    # The assembly helper's task; imported here so the workflow does not depend on it at import.
    from reports.services import broker
    from reports.tasks import assemble_report

    # The build is recorded as queued already; if the broker is down the sweeper queues it.
    broker.send(assemble_report, report_id=report_id, requested_by_id=user_id)


@transaction.atomic
def report_approve(
    *, report: AnnualReport, user: User, seen_version: int | None = None
) -> AnnualReport:
    """Approve the whole report (企画政策課長) and start its assembly; its content is now fixed."""
    policy.check(user, "approve", report)
    # Sections first, then the report: the order section_reopen takes them in, so the two
    # never deadlock, and a reopen racing with this approval waits and then sees it.
    list(Section.objects.select_for_update().filter(report_id=report.pk).values_list("pk"))
    current = AnnualReport.objects.select_for_update().get(pk=report.pk)
    if current.state != AnnualReport.State.PREPARING:
        raise Conflict(
            f"この報告書は現在「{current.get_state_display()}」のため、承認できません。",
            details={"state": current.state},
            code="wrong_state",
        )
    if seen_version is not None and int(seen_version) != current.version:
        raise StaleVersion(
            "この報告書は表示された後に変更されています。画面を更新してから、もう一度操作してください。",
            details={"version": current.version},
        )
    approvable, reasons = report_is_approvable(current)
    if not approvable:
        raise Conflict(
            f"すべての課別報告が承認されるまで、報告書は承認できません（未承認 {len(reasons)}件）。",
            details={"sections": reasons},
            code="not_approvable",
        )
    figures = report_figure_problems(current)
    if figures:
        raise Conflict(
            f"課別報告の数値に直すところがあるため、報告書は承認できません（{len(figures)}件）。"
            "該当する課別報告を再開して直してください。",
            details=figures,
            code="figures",
        )
    now = timezone.now()
    updated = AnnualReport.objects.filter(
        pk=current.pk, state=AnnualReport.State.PREPARING, version=current.version
    ).update(
        state=AnnualReport.State.APPROVED,
        version=F("version") + 1,
        approved_at=now,
        approved_by=user,
    )
    if not updated:
        raise Conflict("他の操作で報告書の状態が変わりました。画面を更新してください。")
    event = ReportEvent.objects.create(
        report=current, action=ReportEvent.Action.APPROVE, actor=user
    )
    current.refresh_from_db()
    report.refresh_from_db()
    current.queued_build = _record_build(current, user)
    notifications.notify_report_event(event=event)
    notifications.after_commit(schedule_assembly, current.pk, user.pk)
    return current


def _record_build(report: AnnualReport, user: User):
    """The release build of what was just approved, recorded (queued) in the approval's own
    transaction, so that the build is pending even if the task never reaches a worker."""
    from reports.services import assembly

    try:
        return assembly.release_build_for(report=report, requested_by=user)
    except Conflict as exc:  # nothing approved to build: the assembly task says so
        logger.warning("workflow: report %s has nothing to build yet: %s", report.pk, exc.message)
        return None


# -- comments ----------------------------------------------------------------------------------


@transaction.atomic
def comment_resolve(*, comment: ReviewComment, user: User, resolved: bool = True) -> ReviewComment:
    """The department marks a return comment as dealt with (or not), while the section is theirs."""
    current = (
        ReviewComment.objects.select_for_update(of=("self",))
        .select_related("section__report", "section__department")
        .get(pk=comment.pk)
    )
    section = current.section
    policy.check(user, "view", section)
    if not policy.can(user, "edit", _in_state(section, S.RETURNED)):
        raise PermissionDenied("コメントを対応済みにできるのは、この課の担当者または課長です。")
    if not section.is_editable:
        raise Conflict(
            f"この課別報告は現在「{section.get_state_display()}」のため、"
            "コメントの対応状況は変更できません。",
            details={"state": section.state},
            code="wrong_state",
        )
    latest_return = (
        SectionEvent.objects.filter(section_id=section.pk, to_state=S.RETURNED)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    if current.event_id != latest_return:
        raise Conflict("前回より前の差戻しのコメントは変更できません。", code="old_comment")
    current.resolved_at = timezone.now() if resolved else None
    current.resolved_by = user if resolved else None
    current.save(update_fields=["resolved_at", "resolved_by"])
    comment.resolved_at, comment.resolved_by = current.resolved_at, current.resolved_by
    return current


def available_actions(user: Actor, section: Section) -> list[str]:
    """The transitions this user may make on this section now (for buttons; no queries but guards)."""
    out = []
    for action, transition in TRANSITIONS.items():
        if section.state in transition.sources and policy.can(user, action, section):
            out.append(action)
    return out


@transaction.atomic
def section_set_imported_state(*, section: Section, user: User, state: str) -> Section:
    """Give a freshly imported draft the state its file records (administrators only).

    An import that keeps the file's states is a transition like any other: compare-and-set from
    draft, a snapshot of what was imported, and an `import` event naming who did it.
    """
    if not user.is_superuser:
        raise PermissionDenied("ファイルの状態のまま取り込めるのはシステム管理者のみです。")
    if state not in Section.State.values:
        raise InvalidInput(f"状態「{state}」はありません。")
    current = _lock(section.pk)
    if state == current.state:
        return current
    updated = Section.objects.filter(
        pk=current.pk, state=Section.State.DRAFT, version=current.version
    ).update(state=state, version=F("version") + 1)
    if not updated:
        raise Conflict("取込み中に課別報告が変更されました。もう一度取り込んでください。")
    snapshot = take_snapshot(current)
    SectionEvent.objects.create(
        section=current,
        action=SectionEvent.Action.IMPORT,
        from_state=Section.State.DRAFT,
        to_state=state,
        actor=user,
        comment="ファイルの状態のまま取り込み",
        snapshot=snapshot,
        section_version=current.version,
        content_version=current.content_version,
    )
    current.refresh_from_db()
    return current
