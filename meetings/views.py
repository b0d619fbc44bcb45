"""Staff pages for meetings (/staff/meetings/). Thin: they ask the policy, call selectors and
services, and turn domain errors into form errors, messages, 403 and 404 pages."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from akiruno.exceptions import ApplicationError, Conflict, InvalidInput, NotFound, PermissionDenied
from akiruno.wareki import format_fiscal_year
from meetings import formatting, imports, selectors, services, spreadsheets
from meetings.blocks.meeting_counts import MeetingCountsBlock
from meetings.blocks.meeting_purpose import MeetingPurposeBlock
from meetings.blocks.meeting_table import MeetingTableBlock
from meetings.filters import active_in
from meetings.forms import BodyForm, ImportForm, ManualCountForm, SessionForm
from meetings.models import ManualCount, MeetingBody, MeetingSession
from meetings.permissions import can_record_meetings
from reports.permissions import policy

SESSIONS_PER_PAGE = 50
BODIES_PER_PAGE = 100
IMPORT_SALT = "meetings.import-preview"
IMPORT_MAX_AGE = 60 * 60


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "staff/meetings/forbidden.html", {"message": message}, status=403)


def _checked(request: HttpRequest, obj, action: str):
    """`obj` if the user may do `action` to it; Http404 where they may not even see it."""
    try:
        policy.check(request.user, action, obj)
    except NotFound:
        raise Http404("見つかりません。") from None
    return obj


def _guard(view: Callable) -> Callable:
    """Turn a PermissionDenied from a service or check into a 403 page with its message."""

    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            return _forbidden(request, exc.message)
        except NotFound:
            raise Http404("見つかりません。") from None

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _fiscal_year(request: HttpRequest, name: str = "fy") -> int:
    value = request.GET.get(name) or request.POST.get(name)
    try:
        year = int(value)
    except (TypeError, ValueError):
        return selectors.default_fiscal_year()
    return year if 1900 <= year <= 9998 else selectors.default_fiscal_year()


def _body(request: HttpRequest, pk: int, action: str = "view") -> MeetingBody:
    body = get_object_or_404(
        MeetingBody.objects.select_related("department", "parent", "updated_by"), pk=pk
    )
    return _checked(request, body, action)


def _detail_url(body: MeetingBody, fiscal_year: int | None = None) -> str:
    url = reverse("meetings:body-detail", args=[body.pk])
    return f"{url}?{urlencode({'fy': fiscal_year})}" if fiscal_year else url


# --- bodies ------------------------------------------------------------------------------


@login_required
def body_list(request: HttpRequest) -> HttpResponse:
    fiscal_year = _fiscal_year(request)
    filterset = selectors.body_list(user=request.user, filters=request.GET, fiscal_year=fiscal_year)
    qs = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    all_years = bool(request.GET.get("all_years"))
    if not all_years:
        qs = active_in(qs, fiscal_year)
    page = Paginator(qs, BODIES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "staff/meetings/body_list.html",
        {
            "filter": filterset,
            "page": page,
            "fiscal_year": fiscal_year,
            "year_choices": selectors.fiscal_year_choices(),
            "all_years": all_years,
            "query": query.urlencode(),
            "can_create": can_record_meetings(request.user),
        },
    )


@login_required
def body_detail(request: HttpRequest, pk: int) -> HttpResponse:
    body = _body(request, pk)
    fiscal_year = _fiscal_year(request)
    sessions = selectors.body_sessions(body=body, fiscal_year=fiscal_year)
    counts = selectors.counts_for(body_ids=[body.pk], fiscal_year=fiscal_year).get(body.pk, {})
    manual = {
        c.category: c
        for c in ManualCount.objects.filter(body=body, fiscal_year=fiscal_year).order_by("id")
    }
    # Categories in the order they were recorded: manual counts as entered, then by first session.
    order = list(dict.fromkeys([*manual, *(s.category for s in sessions)]))
    order += sorted(set(counts) - set(order))
    count_rows = [
        {
            "category": category,
            "line": formatting.count_line(counts[category].total, counts[category].by_format),
            "result": counts[category],
            "manual": manual.get(category),
        }
        for category in order
        if category in counts
    ]
    preview_table = preview_counts = None
    if sessions or counts:
        preview_counts = _preview(
            MeetingCountsBlock(),
            {
                "entries": [{"body": body.key, "category": r["category"]} for r in count_rows],
                "columns": 2,
            },
            fiscal_year,
            depth=3,
        )
    if sessions:
        preview_table = _preview(
            MeetingTableBlock(),
            {"body": body.key, "columns": _preview_columns(sessions)},
            fiscal_year,
        )
    preview_purpose = None
    if body.purpose:
        preview_purpose = _preview(MeetingPurposeBlock(), {"body": body.key}, fiscal_year)
    can_edit = policy.can(request.user, "edit", body)
    session_rows = [
        {
            "session": s,
            "date": formatting.session_date_text({"start": s.start, "end": s.end}, digits="half"),
            "agenda": formatting.agenda_lines(
                {"text": a.text, "marker": a.marker} for a in s.agenda_items.all()
            ),
        }
        for s in sessions
    ]
    return render(
        request,
        "staff/meetings/body_detail.html",
        {
            "body": body,
            "children": list(body.children.order_by("name")),
            "fiscal_year": fiscal_year,
            "year_choices": sorted(
                set(selectors.fiscal_year_choices()) | {fiscal_year}, reverse=True
            ),
            "session_rows": session_rows,
            "count_rows": count_rows,
            "preview_counts": preview_counts,
            "preview_purpose": preview_purpose,
            "preview_table": preview_table,
            "can_edit": can_edit,
            "active": body.is_active_in(fiscal_year),
        },
    )


def _preview_columns(sessions: list[MeetingSession]) -> list[str]:
    """The columns the excerpt would use: 内容 when there is an agenda, else 会場 and 出席者数."""
    if any(s.agenda_items.all() or s.note for s in sessions):
        return ["date", "content"]
    columns = ["date"]
    if any(s.venue for s in sessions):
        columns.append("venue")
    if any(s.attendance is not None for s in sessions):
        columns.append("attendance")
    return columns if len(columns) > 1 else ["date", "content"]


def _preview(kind, data: dict, fiscal_year: int, depth: int = 1) -> dict:
    """How a block would print this body's data (the same code path as the report)."""
    data = kind.clean(data)
    resolved = kind.resolve_many([data], fiscal_year=fiscal_year)[0]
    return {"template": kind.template_name, "view": kind.view(data, resolved, depth=depth)}


@login_required
@require_http_methods(["GET", "POST"])
@_guard
def body_create(request: HttpRequest) -> HttpResponse:
    if not can_record_meetings(request.user):
        return _forbidden(
            request, "会議体を登録できるのは、各課の担当者・課長とシステム管理者です。"
        )
    form = BodyForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            body = services.body_create(
                user=request.user,
                department=form.cleaned_data["department"],
                parent=form.cleaned_data["parent"],
                data=form.service_data(),
            )
        except InvalidInput as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"会議体「{body.name}」を登録しました。")
            return redirect(_detail_url(body))
    return render(request, "staff/meetings/body_form.html", {"form": form, "body": None})


@login_required
@require_http_methods(["GET", "POST"])
@_guard
def body_edit(request: HttpRequest, pk: int) -> HttpResponse:
    body = _body(request, pk, "edit")
    form = BodyForm(request.POST or None, user=request.user, instance=body)
    if request.method == "POST" and form.is_valid():
        try:
            body = services.body_update(
                user=request.user,
                body=body,
                version=form.cleaned_data["version"] or 0,
                department=form.cleaned_data["department"],
                parent=form.cleaned_data["parent"],
                data=form.service_data(),
            )
        except (InvalidInput, Conflict) as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"会議体「{body.name}」を更新しました。")
            return redirect(_detail_url(body))
    return render(request, "staff/meetings/body_form.html", {"form": form, "body": body})


@login_required
@require_http_methods(["GET", "POST"])
@_guard
def body_delete(request: HttpRequest, pk: int) -> HttpResponse:
    body = _body(request, pk, "delete")
    if request.method == "POST":
        try:
            services.body_delete(user=request.user, body=body)
        except Conflict as exc:
            messages.error(request, exc.message)
            return redirect(_detail_url(body))
        messages.success(request, f"会議体「{body.name}」を削除しました。")
        return redirect("meetings:body-list")
    return render(
        request,
        "staff/meetings/confirm_delete.html",
        {
            "title": f"会議体「{body.name}」の削除",
            "what": f"会議体「{body.name}」",
            "consequence": f"この会議体の会議 {body.sessions.count()}件と手入力の回数 "
            f"{body.manual_counts.count()}件も削除されます。元に戻せません。",
            "cancel_url": _detail_url(body),
        },
    )


# --- sessions ----------------------------------------------------------------------------


def _session_filters(request: HttpRequest):
    data = request.GET.copy()
    if "fiscal_year" not in data:
        data["fiscal_year"] = str(selectors.default_fiscal_year())
    return selectors.session_list(user=request.user, filters=data)


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    filterset = _session_filters(request)
    qs = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    page = Paginator(qs, SESSIONS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {
            "session": s,
            "date": formatting.session_date_text({"start": s.start, "end": s.end}, digits="half"),
            "agenda": formatting.agenda_lines(
                {"text": a.text, "marker": a.marker} for a in s.agenda_items.all()
            ),
            "can_edit": policy.can(request.user, "edit", s),
        }
        for s in page.object_list
    ]
    query = filterset.data.copy()
    query.pop("page", None)
    return render(
        request,
        "staff/meetings/session_list.html",
        {
            "filter": filterset,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "can_import": can_record_meetings(request.user),
        },
    )


@login_required
def session_export(request: HttpRequest) -> HttpResponse:
    """The filtered sessions as CSV, in the columns the import reads (so it can be re-imported)."""
    filterset = _session_filters(request)
    if not filterset.is_valid():
        messages.error(request, "絞り込みの条件に誤りがあります。")
        return redirect("meetings:session-list")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([*spreadsheets.TEMPLATE_HEADERS, "会議体名", "担当課", "年度"])
    for s in filterset.qs:  # prefetches agendas once: a fixed number of queries
        writer.writerow(
            [
                s.body.key,
                s.category,
                s.sequence or "",
                s.start.isoformat(),
                s.end.isoformat() if s.end else "",
                s.get_format_display(),
                s.venue,
                "" if s.attendance is None else s.attendance,
                formatting.agenda_to_text(
                    {"text": a.text, "marker": a.marker} for a in s.agenda_items.all()
                ),
                s.note,
                s.body.name,
                s.body.department.name,
                s.fiscal_year,
            ]
        )
    response = HttpResponse(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    year = filterset.form.cleaned_data.get("fiscal_year") or "all"
    response["Content-Disposition"] = f'attachment; filename="meetings-{year}.csv"'
    return response


def _session_form_page(request, *, body, form, session=None) -> HttpResponse:
    return render(
        request,
        "staff/meetings/session_form.html",
        {"form": form, "body": body, "session": session},
    )


@login_required
@require_http_methods(["GET", "POST"])
@_guard
def session_create(request: HttpRequest, pk: int) -> HttpResponse:
    body = _body(request, pk, "add_session")
    fiscal_year = _fiscal_year(request)
    categories = selectors.body_categories(body=body)
    form = SessionForm(
        request.POST or None, body=body, fiscal_year=fiscal_year, categories=categories
    )
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(
                user=request.user,
                body=body,
                fiscal_year=form.cleaned_data["fiscal_year"],
                data=form.service_data(),
            )
        except InvalidInput as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"{_session_name(session)}を登録しました。")
            if "add_another" in request.POST:
                return redirect(
                    reverse("meetings:session-create", args=[body.pk])
                    + f"?{urlencode({'fy': session.fiscal_year})}"
                )
            return redirect(_detail_url(body, session.fiscal_year))
    return _session_form_page(request, body=body, form=form)


def _session_name(session: MeetingSession) -> str:
    number = formatting.sequence_label(session.sequence)
    date = formatting.session_date_text({"start": session.start, "end": session.end}, digits="half")
    return f"「{session.body.name}」{session.category}{number}（{date}）"


def _session(request: HttpRequest, pk: int, action: str) -> MeetingSession:
    session = get_object_or_404(
        MeetingSession.objects.select_related("body", "body__department").prefetch_related(
            "agenda_items"
        ),
        pk=pk,
    )
    return _checked(request, session, action)


@login_required
@require_http_methods(["GET", "POST"])
@_guard
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk, "edit")
    body = session.body
    form = SessionForm(
        request.POST or None,
        body=body,
        fiscal_year=session.fiscal_year,
        categories=selectors.body_categories(body=body),
        instance=session,
    )
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_update(
                user=request.user,
                session=session,
                version=form.cleaned_data["version"] or 0,
                fiscal_year=form.cleaned_data["fiscal_year"],
                data=form.service_data(),
            )
        except (InvalidInput, Conflict) as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"{_session_name(session)}を更新しました。")
            return redirect(_detail_url(body, session.fiscal_year))
    return _session_form_page(request, body=body, form=form, session=session)


@login_required
@require_http_methods(["GET", "POST"])
@_guard
def session_delete(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk, "edit")
    name = _session_name(session)
    if request.method == "POST":
        services.session_delete(user=request.user, session=session)
        messages.success(request, f"{name}を削除しました。")
        return redirect(_detail_url(session.body, session.fiscal_year))
    return render(
        request,
        "staff/meetings/confirm_delete.html",
        {
            "title": "会議の削除",
            "what": name,
            "consequence": "この会議を表示している報告のブロック（承認前のもの）からも消えます。元に戻せません。",
            "cancel_url": _detail_url(session.body, session.fiscal_year),
        },
    )


# --- manual counts -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@_guard
def count_create(request: HttpRequest, pk: int) -> HttpResponse:
    body = _body(request, pk, "add_count")
    fiscal_year = _fiscal_year(request)
    form = ManualCountForm(
        request.POST or None,
        categories=selectors.body_categories(body=body),
        initial={"category": request.GET.get("category", "")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            count = services.manual_count_create(
                user=request.user, body=body, fiscal_year=fiscal_year, data=form.service_data()
            )
        except InvalidInput as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request,
                f"「{count.category}」の回数（手入力）を{format_fiscal_year(fiscal_year)}に登録しました。",
            )
            return redirect(_detail_url(body, fiscal_year))
    return render(
        request,
        "staff/meetings/count_form.html",
        {"form": form, "body": body, "fiscal_year": fiscal_year, "count": None},
    )


def _count(request: HttpRequest, pk: int, action: str) -> ManualCount:
    count = get_object_or_404(ManualCount.objects.select_related("body", "body__department"), pk=pk)
    return _checked(request, count, action)


@login_required
@require_http_methods(["GET", "POST"])
@_guard
def count_edit(request: HttpRequest, pk: int) -> HttpResponse:
    count = _count(request, pk, "edit")
    form = ManualCountForm(
        request.POST or None,
        instance=count,
        categories=selectors.body_categories(body=count.body),
    )
    if request.method == "POST" and form.is_valid():
        try:
            count = services.manual_count_update(
                user=request.user,
                count=count,
                version=form.cleaned_data["version"] or 0,
                data=form.service_data(),
            )
        except (InvalidInput, Conflict) as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"「{count.category}」の回数（手入力）を更新しました。")
            return redirect(_detail_url(count.body, count.fiscal_year))
    return render(
        request,
        "staff/meetings/count_form.html",
        {"form": form, "body": count.body, "fiscal_year": count.fiscal_year, "count": count},
    )


@login_required
@require_http_methods(["GET", "POST"])
@_guard
def count_delete(request: HttpRequest, pk: int) -> HttpResponse:
    count = _count(request, pk, "edit")
    if request.method == "POST":
        services.manual_count_delete(user=request.user, count=count)
        messages.success(request, f"「{count.category}」の回数（手入力）を削除しました。")
        return redirect(_detail_url(count.body, count.fiscal_year))
    return render(
        request,
        "staff/meetings/confirm_delete.html",
        {
            "title": "手入力の回数の削除",
            "what": f"「{count.body.name}」{count.category}の{format_fiscal_year(count.fiscal_year)}の回数（手入力 {count.count}回）",
            "consequence": "削除すると、この区分の回数は登録された会議から数えます。",
            "cancel_url": _detail_url(count.body, count.fiscal_year),
        },
    )


# --- import ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_sessions(request: HttpRequest) -> HttpResponse:
    """Upload → preview with every row's problems → import all rows (or none)."""
    if not can_record_meetings(request.user):
        return _forbidden(request, "会議を取り込めるのは、各課の担当者・課長とシステム管理者です。")
    if request.method == "POST" and request.POST.get("action") == "commit":
        return _import_commit(request)
    fiscal_year = _fiscal_year(request)
    form = ImportForm(request.POST or None, request.FILES or None, fiscal_year=fiscal_year)
    context: dict = {"form": form}
    if request.method == "POST" and form.is_valid():
        try:
            sheet = spreadsheets.read_upload(form.cleaned_data["file"])
        except InvalidInput as exc:
            form.add_error("file", exc.message)
        else:
            check = imports.check_session_rows(
                user=request.user,
                fiscal_year=form.cleaned_data["fiscal_year"],
                rows=sheet.rows,
                replace=form.cleaned_data["replace"],
            )
            context.update(_preview_context(check, sheet.rows, sheet.ignored_columns))
    return render(request, "staff/meetings/import.html", context)


def _preview_context(check: imports.ImportCheck, rows: list, ignored: list[str]) -> dict:
    payload = ""
    if check.ok:
        payload = signing.dumps(
            {"fy": check.fiscal_year, "replace": check.replace, "rows": rows, "ignored": ignored},
            salt=IMPORT_SALT,
            compress=True,
        )
    return {"check": check, "payload": payload, "ignored_columns": ignored}


def _import_commit(request: HttpRequest) -> HttpResponse:
    try:
        payload = signing.loads(
            request.POST.get("payload", ""), salt=IMPORT_SALT, max_age=IMPORT_MAX_AGE
        )
    except signing.BadSignature:
        messages.error(
            request,
            "プレビューの有効期限が切れたか、内容が正しくありません。もう一度ファイルを選んでください。",
        )
        return redirect("meetings:import")
    rows = [(number, values) for number, values in payload["rows"]]
    try:
        check = imports.import_session_rows(
            user=request.user, fiscal_year=payload["fy"], rows=rows, replace=payload["replace"]
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        check = imports.check_session_rows(
            user=request.user, fiscal_year=payload["fy"], rows=rows, replace=payload["replace"]
        )
        form = ImportForm(fiscal_year=payload["fy"])
        context = {"form": form, **_preview_context(check, rows, payload.get("ignored", []))}
        return render(request, "staff/meetings/import.html", context, status=400)
    replaced = (
        f"（既存の {check.replaced}件を置き換え）" if check.replace and check.replaced else ""
    )
    messages.success(
        request,
        f"{format_fiscal_year(check.fiscal_year)}の会議を {len(check.rows)}件取り込みました{replaced}。",
    )
    return redirect(
        f"{reverse('meetings:session-list')}?{urlencode({'fiscal_year': check.fiscal_year})}"
    )


@login_required
def import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in {"csv", "xlsx"}:
        raise Http404("ひな形は .csv と .xlsx です。")
    if fmt == "xlsx":
        response = HttpResponse(
            spreadsheets.template_xlsx(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(spreadsheets.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meetings-template.{fmt}"'
    return response
