"""The one permission policy. Every view, API, command and the public site asks it.

Two questions:
- `policy.can(user, action, obj)`: may this user do `action` to `obj`?
- `policy.visible(user, model)`: which objects of `model` may this user see (a queryset)?

`policy.check(user, action, obj)` raises NotFound when the user may not even see the object
(so existence does not leak across departments) and PermissionDenied otherwise.

Rules for other models (meeting bodies, finance accounts) are registered by their apps with
`policy.register(Model, can=..., visible=...)`: one policy object, many rule sets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, Q, QuerySet

from akiruno.exceptions import NotFound, PermissionDenied
from reports.models import AnnualReport, Section, User

Actor = User | AnonymousUser

SECTION_ACTIONS = {
    "view": "閲覧",
    "edit": "編集",
    "submit": "提出",
    "forward": "課長承認・送付",
    "return": "差戻し",
    "approve": "承認",
    "reopen": "再開",
    "comment": "コメント",
    "preview": "プレビュー",
    "history": "履歴の閲覧",
    "restore": "復元",
}

DENIED_MESSAGES = {
    "edit": "この課別報告を編集する権限がありません。",
    "submit": "提出できるのは、この課の担当者または課長です。",
    "forward": "送付できるのは、この課の課長です。",
    "return": "差戻しできるのは、課長確認待ちでは課長、審査中では企画政策課の審査担当です。",
    "approve": "承認できるのは企画政策課の審査担当です（自分が編集・送付した報告は承認できません）。",
    "reopen": "再開できるのは企画政策課の審査担当です。",
}


def is_staff_user(user: Actor) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_admin(user: Actor) -> bool:
    return is_staff_user(user) and user.is_superuser


def is_reviewer(user: Actor) -> bool:
    return is_staff_user(user) and user.is_reviewer


def is_member(user: Actor, department_id: int | None) -> bool:
    return (
        is_staff_user(user)
        and department_id is not None
        and user.department_id == department_id
        and (user.is_editor or user.is_head)
    )


def is_head_of(user: Actor, department_id: int | None) -> bool:
    return is_member(user, department_id) and user.is_head


def requires_second_factor(user: Actor) -> bool:
    """Who must sign in with a second factor (issue 14): reviewers (which includes the planning
    division's head, who approves the report as a reviewer), heads of the planning division and
    administrators. Everyone else may enrol but need not."""
    if not is_staff_user(user):
        return False
    if user.is_superuser or user.is_reviewer:
        return True
    # Only a head's department is looked at (one query, cached on the user for the request).
    return bool(
        user.is_head and user.department_id is not None and user.department.is_planning_division
    )


class Policy:
    def __init__(self) -> None:
        self._can: dict[type[Model], Callable[[Actor, str, Any], bool]] = {}
        self._visible: dict[type[Model], Callable[[Actor, QuerySet], QuerySet]] = {}
        self.register(Section, can=self._can_section, visible=self._visible_sections)
        self.register(AnnualReport, can=self._can_report, visible=self._visible_reports)
        # Extra guards consulted by the workflow (separation of duties); set by the workflow.
        self.approve_guards: list[Callable[[Actor, Section], str | None]] = []

    # -- registry -----------------------------------------------------------------------
    def register(
        self,
        model: type[Model],
        *,
        can: Callable[[Actor, str, Any], bool],
        visible: Callable[[Actor, QuerySet], QuerySet],
    ) -> None:
        self._can[model] = can
        self._visible[model] = visible

    def _rules_for(self, model: type[Model]) -> type[Model]:
        for klass in model.__mro__:
            if klass in self._can:
                return klass
        raise LookupError(f"no permission rules registered for {model.__name__}")

    # -- the two questions --------------------------------------------------------------
    def can(self, user: Actor, action: str, obj: Any) -> bool:
        return bool(self._can[self._rules_for(type(obj))](user, action, obj))

    def visible(
        self, user: Actor, model: type[Model], queryset: QuerySet | None = None
    ) -> QuerySet:
        qs = queryset if queryset is not None else model._default_manager.all()
        return self._visible[self._rules_for(model)](user, qs)

    def check(self, user: Actor, action: str, obj: Any, *, message: str | None = None) -> None:
        if action != "view" and not self.can(user, "view", obj):
            raise NotFound("見つかりません。")
        if not self.can(user, action, obj):
            if action == "view":
                raise NotFound("見つかりません。")
            raise PermissionDenied(message or self.denied_message(action, obj))

    def requires_second_factor(self, user: Actor) -> bool:
        return requires_second_factor(user)

    def denied_message(self, action: str, obj: Any) -> str:
        if isinstance(obj, Section) and action == "edit" and not obj.is_editable:
            return f"「{obj.get_state_display()}」の課別報告は編集できません。"
        return DENIED_MESSAGES.get(action, "この操作を行う権限がありません。")

    # -- sections -----------------------------------------------------------------------
    def _visible_sections(self, user: Actor, qs: QuerySet) -> QuerySet:
        if is_admin(user) or is_reviewer(user):
            return qs
        if is_staff_user(user) and user.department_id and (user.is_editor or user.is_head):
            return qs.filter(department_id=user.department_id)
        return qs.none()

    def _can_section(self, user: Actor, action: str, section: Section) -> bool:
        own = is_member(user, section.department_id)
        head = is_head_of(user, section.department_id)
        reviewer = is_reviewer(user)
        state = section.state
        S = Section.State
        if action in {"view", "preview", "history"}:
            return own or reviewer or is_admin(user)
        if action in {"edit", "restore"}:
            return own and section.is_editable
        if action == "import":
            # Replacing a whole section from an interchange file: administrators only.
            return is_admin(user) and section.is_editable
        if action == "submit":
            return own and state in (S.DRAFT, S.RETURNED)
        if action == "forward":
            return head and state == S.AWAITING_HEAD
        if action == "return":
            if state == S.AWAITING_HEAD:
                return head
            if state == S.IN_REVIEW:
                return reviewer
            return False
        if action == "approve":
            if not (reviewer and state == S.IN_REVIEW):
                return False
            return all(guard(user, section) is None for guard in self.approve_guards)
        if action == "reopen":
            if not (reviewer and state == S.APPROVED):
                return False
            if section.report.state != AnnualReport.State.PUBLISHED:
                return True
            # After publication a reopen is a correction (正誤): only the planning division's
            # head, who approves the report, may start one; the public keeps the published
            # edition until the corrected build supersedes it.
            return self._can_report(user, "approve", section.report)
        if action == "comment":
            return reviewer or own
        return False

    def approve_refusal(self, user: Actor, section: Section) -> str | None:
        """Why a reviewer may not approve this section (separation of duties), or None."""
        for guard in self.approve_guards:
            reason = guard(user, section)
            if reason:
                return reason
        return None

    # -- reports (fiscal years) ----------------------------------------------------------
    def _visible_reports(self, user: Actor, qs: QuerySet) -> QuerySet:
        if is_staff_user(user):
            return qs
        return qs.filter(state=AnnualReport.State.PUBLISHED)

    def _can_report(self, user: Actor, action: str, report: AnnualReport) -> bool:
        if action == "view":
            return is_staff_user(user) or report.state == AnnualReport.State.PUBLISHED
        if action in {"preview", "dashboard", "audit"}:
            return is_reviewer(user) or is_admin(user)
        if action == "approve":
            # A reviewer who is also head of the planning division (企画政策課長).
            return (
                is_reviewer(user)
                and user.is_head
                and user.department is not None
                and user.department.is_planning_division
            )
        if action in {"publish", "build"}:
            return self._can_report(user, "approve", report) or is_admin(user)
        if action in {"manage", "import", "export", "start_next_year"}:
            return is_admin(user) or (action == "export" and is_reviewer(user))
        return False

    # -- helpers for department-owned records (meetings, finance) -------------------------
    @staticmethod
    def department_records(user: Actor, qs: QuerySet, field: str = "department") -> QuerySet:
        """Owned records: all for reviewers and administrators, own department for members."""
        if is_admin(user) or is_reviewer(user):
            return qs
        if is_staff_user(user) and user.department_id:
            return qs.filter(Q(**{f"{field}_id": user.department_id}))
        return qs.none()

    @staticmethod
    def can_department_record(user: Actor, action: str, department_id: int | None) -> bool:
        if action == "view":
            return is_admin(user) or is_reviewer(user) or is_member(user, department_id)
        return is_admin(user) or is_member(user, department_id)


policy = Policy()
