"""Writes for meetings: bodies, sessions and manual counts. One transaction each.

Every service checks the actor with the policy, cleans its input (meetings.validation),
checks what needs the database (duplicate 第n回, parents, years with sessions), reports every
problem at once (InvalidInput.details keyed by field name), and guards updates with a
compare-and-set on `version` (StaleVersion when someone saved in between).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Min
from django.utils import timezone

from akiruno import wareki
from akiruno.exceptions import Conflict, InvalidInput, PermissionDenied, StaleVersion
from meetings import validation
from meetings.blocks import MeetingBlock
from meetings.models import AgendaItem, ManualCount, MeetingBody, MeetingSession
from meetings.permissions import can_create_body
from meetings.validation import SessionData, nendo
from reports import blocks
from reports.models import Block, Department, User
from reports.permissions import policy

STALE_MESSAGE = "{what}は、表示した後に他の人が更新しました。画面を開き直して、最新の内容を確認してから編集してください。"


def _invalid(what: str, errors: dict[str, str]) -> InvalidInput:
    return InvalidInput(f"{what}の入力内容に誤りがあります（{len(errors)}件）。", details=errors)


def _check_fiscal_year(fiscal_year: int) -> None:
    if (
        isinstance(fiscal_year, bool)
        or not isinstance(fiscal_year, int)
        or not 1900 <= fiscal_year <= 9998
    ):
        raise InvalidInput(
            "年度は西暦の整数（2024 など）で指定してください。",
            details={"fiscal_year": f"年度「{fiscal_year}」は扱えません。"},
        )


# --- bodies ------------------------------------------------------------------------------


def _new_key() -> str:
    return f"body-{uuid.uuid4().hex[:10]}"


def _parent_errors(
    *, user: User, body: MeetingBody | None, parent: MeetingBody | None
) -> dict[str, str]:
    if parent is None:
        return {}
    if not policy.can(user, "view", parent):
        return {"parent": "上位の会議体が見つかりません。"}
    if body is not None and body.pk:
        current: MeetingBody | None = parent
        seen: set[int] = set()
        while current is not None and current.pk not in seen:
            if current.pk == body.pk:
                return {
                    "parent": "上位の会議体に、この会議体自身やその下位の会議体は指定できません。"
                }
            seen.add(current.pk)
            current = current.parent
    return {}


def _years_errors(body: MeetingBody, active_from: int | None, active_to: int | None) -> dict:
    span = MeetingSession.objects.filter(body=body).aggregate(
        first=Min("fiscal_year"), last=Max("fiscal_year")
    )
    counted = ManualCount.objects.filter(body=body).aggregate(
        first=Min("fiscal_year"), last=Max("fiscal_year")
    )
    firsts = [y for y in (span["first"], counted["first"]) if y is not None]
    lasts = [y for y in (span["last"], counted["last"]) if y is not None]
    errors = {}
    text = validation.active_years_text(active_from, active_to)
    if active_from and firsts and min(firsts) < active_from:
        errors["active_from"] = (
            f"{nendo(min(firsts))}の会議（または回数）が登録されているため、活動年度を{text}にはできません。"
        )
    if active_to and lasts and max(lasts) > active_to:
        errors["active_to"] = (
            f"{nendo(max(lasts))}の会議（または回数）が登録されているため、活動年度を{text}にはできません。"
        )
    return errors


def _numbering_errors(body: MeetingBody, numbering: str) -> dict:
    if numbering != MeetingBody.Numbering.CONTINUOUS or body.numbering == numbering:
        return {}
    duplicate = (
        MeetingSession.objects.filter(body=body, sequence__isnull=False)
        .values("category", "sequence")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("category", "sequence")
        .first()
    )
    if duplicate:
        return {
            "numbering": (
                f"「{duplicate['category']}」の第{duplicate['sequence']}回が複数の年度にあるため、"
                "通し番号にはできません。"
            )
        }
    return {}


@transaction.atomic
def body_create(
    *,
    user: User,
    department: Department | None,
    data: Mapping,
    parent: MeetingBody | None = None,
) -> MeetingBody:
    """Register a body owned by `department`. A blank key is generated."""
    if department is not None and not can_create_body(user, department):
        raise PermissionDenied(f"{department.name}の会議体を登録する権限がありません。")
    fields, errors = validation.clean_body_fields(data, creating=True)
    if department is None:
        errors["department"] = "担当課を選んでください。"
    if fields.get("key") and MeetingBody.objects.filter(key=fields["key"]).exists():
        errors["key"] = f"キー「{fields['key']}」はすでに使われています。別のキーにしてください。"
    errors |= _parent_errors(user=user, body=None, parent=parent)
    if errors:
        raise _invalid("会議体", errors)
    fields["key"] = fields["key"] or _new_key()
    body = MeetingBody(**fields, department=department, parent=parent, updated_by=user)
    body.save()
    return body


@transaction.atomic
def body_update(
    *,
    user: User,
    body: MeetingBody,
    version: int,
    department: Department | None,
    data: Mapping,
    parent: MeetingBody | None = None,
) -> MeetingBody:
    """Change a body's fields (its key stays). Moving it to another department needs the right
    to edit there too."""
    policy.check(user, "edit", body)
    if department is not None and department.pk != body.department_id:
        if not can_create_body(user, department):
            raise PermissionDenied(f"{department.name}へ会議体を移す権限がありません。")
    fields, errors = validation.clean_body_fields(data, creating=False)
    if department is None:
        errors["department"] = "担当課を選んでください。"
    errors |= _parent_errors(user=user, body=body, parent=parent)
    if "active_from" not in errors and "active_to" not in errors:
        errors |= _years_errors(body, fields["active_from"], fields["active_to"])
    errors |= _numbering_errors(body, fields["numbering"])
    if errors:
        raise _invalid("会議体", errors)
    updated = MeetingBody.objects.filter(pk=body.pk, version=version).update(
        **fields,
        department=department,
        parent=parent,
        version=F("version") + 1,
        updated_by=user,
        updated_at=timezone.now(),
    )
    if not updated:
        raise StaleVersion(STALE_MESSAGE.format(what="この会議体"))
    body.refresh_from_db()
    return body


def body_references(body: MeetingBody) -> list[str]:
    """Where report blocks refer to the body: "令和6年度 企画政策課" …"""
    places = []
    referring = {
        name: kind for name, kind in blocks.kinds().items() if isinstance(kind, MeetingBlock)
    }
    rows = Block.objects.filter(kind__in=referring).values_list(
        "kind", "data", "item__section__department_name", "item__section__report__fiscal_year"
    )
    for kind, data, department_name, fiscal_year in rows:
        keys = referring[kind].body_keys(data)
        if body.key in keys:
            place = f"{nendo(fiscal_year)} {department_name}"
            if place not in places:
                places.append(place)
    return places


@transaction.atomic
def body_delete(*, user: User, body: MeetingBody) -> None:
    """Delete a body with its sessions and manual counts, unless something refers to it."""
    policy.check(user, "delete", body)
    children = list(body.children.values_list("name", flat=True)[:5])
    if children:
        raise Conflict(
            f"下位の会議体（{'、'.join(children)}）があるため削除できません。先に下位の会議体の"
            "上位を変えるか、削除してください。"
        )
    places = body_references(body)
    if places:
        raise Conflict(
            f"報告の次の箇所でこの会議体を使っているため削除できません: {'、'.join(places)}。"
            "活動終了年度を入力すると、以後の年度の一覧に表示されなくなります。"
        )
    body.delete()


# --- sessions ----------------------------------------------------------------------------


def duplicate_sequence_error(
    *, body: MeetingBody, session: SessionData, fiscal_year: int, exclude_pk: int | None = None
) -> str | None:
    """The message for a 第n回 already used in the body's category (in the year, or in any
    year for continuous numbering), or None."""
    if session.sequence is None:
        return None
    qs = MeetingSession.objects.filter(
        body=body, category=session.category, sequence=session.sequence
    )
    if body.numbering == MeetingBody.Numbering.YEARLY:
        qs = qs.filter(fiscal_year=fiscal_year)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    other = qs.order_by("start").first()
    if other is None:
        return None
    return (
        f"「{session.category}」の第{session.sequence}回は{nendo(other.fiscal_year)}にすでに登録されて"
        f"います（{wareki.format_date(other.start, digits='half')}）。回の番号を確認してください。"
    )


def _clean_session(
    *, body: MeetingBody, fiscal_year: int, data: Mapping, exclude_pk: int | None = None
) -> SessionData:
    _check_fiscal_year(fiscal_year)
    session, errors = validation.clean_session(
        data,
        fiscal_year=fiscal_year,
        default_category=body.kind,
        active_from=body.active_from,
        active_to=body.active_to,
    )
    if "sequence" not in errors and "category" not in errors:
        duplicate = duplicate_sequence_error(
            body=body, session=session, fiscal_year=fiscal_year, exclude_pk=exclude_pk
        )
        if duplicate:
            errors["sequence"] = duplicate
    if errors:
        raise _invalid("会議", errors)
    return session


def _save_guarded(save) -> None:
    """Run a write that the database may refuse as a duplicate 第n回 (a concurrent save)."""
    try:
        with transaction.atomic():
            save()
    except IntegrityError:
        raise InvalidInput(
            "会議の入力内容に誤りがあります（1件）。",
            details={"sequence": "同じ区分・年度に同じ回の番号の会議が、いま登録されました。"},
        ) from None


@transaction.atomic
def session_create(
    *, user: User, body: MeetingBody, fiscal_year: int, data: Mapping
) -> MeetingSession:
    """Record a session of `body` under `fiscal_year` (its start date must fall in it)."""
    policy.check(user, "add_session", body)
    cleaned = _clean_session(body=body, fiscal_year=fiscal_year, data=data)
    session = MeetingSession(
        body=body, fiscal_year=cleaned.fiscal_year, updated_by=user, **cleaned.model_fields()
    )
    _save_guarded(session.save)
    AgendaItem.objects.bulk_create(cleaned.agenda_models(session))
    return session


@transaction.atomic
def session_update(
    *, user: User, session: MeetingSession, version: int, fiscal_year: int, data: Mapping
) -> MeetingSession:
    """Change a session; its agenda is replaced by the one given."""
    policy.check(user, "edit", session)
    cleaned = _clean_session(
        body=session.body, fiscal_year=fiscal_year, data=data, exclude_pk=session.pk
    )

    def save() -> int:
        return MeetingSession.objects.filter(pk=session.pk, version=version).update(
            **cleaned.model_fields(),
            fiscal_year=cleaned.fiscal_year,
            version=F("version") + 1,
            updated_by=user,
            updated_at=timezone.now(),
        )

    result: list[int] = []
    _save_guarded(lambda: result.append(save()))
    if not result[0]:
        raise StaleVersion(STALE_MESSAGE.format(what="この会議"))
    session.agenda_items.all().delete()
    session.refresh_from_db()
    AgendaItem.objects.bulk_create(cleaned.agenda_models(session))
    return session


@transaction.atomic
def session_delete(*, user: User, session: MeetingSession) -> None:
    policy.check(user, "edit", session)
    session.delete()


# --- manual counts -----------------------------------------------------------------------


def _clean_count(
    *, body: MeetingBody, fiscal_year: int, data: Mapping, exclude_pk: int | None = None
) -> dict:
    _check_fiscal_year(fiscal_year)
    values, errors = validation.clean_manual_count(data)
    if not body.is_active_in(fiscal_year):
        errors["count"] = (
            f"この会議体の活動年度は{validation.active_years_text(body.active_from, body.active_to)}"
            f"です。{nendo(fiscal_year)}の回数は登録できません。"
        )
    if values.get("category") and "category" not in errors:
        clash = ManualCount.objects.filter(
            body=body, fiscal_year=fiscal_year, category=values["category"]
        )
        if exclude_pk:
            clash = clash.exclude(pk=exclude_pk)
        if clash.exists():
            errors["category"] = (
                f"区分「{values['category']}」の{nendo(fiscal_year)}の手入力の回数はすでにあります。"
                "そちらを編集してください。"
            )
    if errors:
        raise _invalid("手入力の回数", errors)
    return values


@transaction.atomic
def manual_count_create(
    *, user: User, body: MeetingBody, fiscal_year: int, data: Mapping
) -> ManualCount:
    """Keep a count by hand for a category and year (it replaces the sessions' count)."""
    policy.check(user, "add_count", body)
    values = _clean_count(body=body, fiscal_year=fiscal_year, data=data)
    count = ManualCount(body=body, fiscal_year=fiscal_year, updated_by=user, **values)
    count.save()
    return count


@transaction.atomic
def manual_count_update(
    *, user: User, count: ManualCount, version: int, data: Mapping
) -> ManualCount:
    policy.check(user, "edit", count)
    values = _clean_count(
        body=count.body, fiscal_year=count.fiscal_year, data=data, exclude_pk=count.pk
    )
    updated = ManualCount.objects.filter(pk=count.pk, version=version).update(
        **values, version=F("version") + 1, updated_by=user, updated_at=timezone.now()
    )
    if not updated:
        raise StaleVersion(STALE_MESSAGE.format(what="この手入力の回数"))
    count.refresh_from_db()
    return count


@transaction.atomic
def manual_count_delete(*, user: User, count: ManualCount) -> None:
    policy.check(user, "edit", count)
    count.delete()
