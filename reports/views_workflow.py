"""Staff pages of the review workflow: review, transitions, comments, previews, dashboard,
audit log, report approval and notifications. Thin: they ask the policy, call selectors and
services, and turn the services' refusals into pages with the service's Japanese message.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from akiruno.exceptions import ApplicationError, InvalidInput
from akiruno.templatetags.japanese import wareki_datetime
from akiruno.wareki import format_fiscal_year
from reports import selectors_workflow as sel
from reports.diff import diff_contents
from reports.models import (
    AnnualReport,
    Block,
    Build,
    Item,
    Notification,
    ReviewComment,
    Section,
)
from reports.permissions import policy
from reports.services import notifications as notification_services
from reports.services import workflow as services
from reports.snapshot import build_content, resolve_blocks, walk
from reports.templatetags.workflow_tags import error_details
from reports.tree import render_tree
from reports.views_builds import build_row_context

SUCCESS = {
    "submit": "提出しました。課長に確認を依頼しました。",
    "forward": "企画政策課へ送付しました。",
    "return": "差し戻しました。課にコメントを通知しました。",
    "approve": "承認しました。",
    "reopen": "再開しました。課に理由を通知しました。",
}
# The same, naming the content version the transition acted on (第N版を提出しました。…).
SUCCESS_WITH_VERSION = {
    "submit": "{v}を提出しました。課長に確認を依頼しました。",
    "forward": "{v}を企画政策課へ送付しました。",
    "return": "{v}を差し戻しました。課にコメントを通知しました。",
    "approve": "{v}を承認しました。",
    "reopen": "{v}の承認を取り消して再開しました。課に理由を通知しました。",
}


def _error_page(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    if exc.status == 404:
        raise Http404(exc.message)
    return render(request, "staff/workflow/error.html", {"error": exc}, status=exc.status)


def app_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Turn the domain's refusals into a page: 404 stays a 404, others show the message."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ApplicationError as exc:
            return _error_page(request, exc)

    return wrapper


def _section(pk: int) -> Section:
    return get_object_or_404(Section.objects.select_related("report", "department"), pk=pk)


def _report(fiscal_year: int) -> AnnualReport:
    return get_object_or_404(AnnualReport, fiscal_year=fiscal_year)


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# -- index -------------------------------------------------------------------------------------


@login_required
@require_GET
def workflow_index(request: HttpRequest) -> HttpResponse:
    """Where each person starts: their sections, and for reviewers every fiscal year's tools."""
    user = request.user
    reports = list(policy.visible(user, AnnualReport).order_by("-fiscal_year"))
    sections = list(
        policy.visible(
            user,
            Section,
            Section.objects.select_related("report", "department").order_by(
                "-report__fiscal_year", "department__display_order", "department__code"
            ),
        ).filter(department_id=user.department_id)
    )
    reviewer = bool(reports) and policy.can(user, "dashboard", reports[0])
    queue = sel.review_queue(reports=reports) if reviewer else []
    return render(
        request,
        "staff/workflow/index.html",
        {"reports": reports, "sections": sections, "is_reviewer": reviewer, "queue": queue},
    )


# -- review page -------------------------------------------------------------------------------


def _pin_targets(content: dict) -> dict[str, list[dict]]:
    """Per item uid: the places a reviewer may pin a comment to (the item, each block's tables)."""
    targets: dict[str, list[dict]] = {}
    slot = 0
    for _depth, _index, item in walk(content.get("items", [])):
        uid = str(item.get("uid") or "")
        if not uid:
            continue
        entries = [{"slot": slot, "item": uid, "block": "", "label": "この項目全体", "tables": []}]
        slot += 1
        for block in item.get("blocks", []):
            views = services.block_tables(block)
            if not views:
                continue
            tables = [
                {
                    "index": i,
                    "caption": view.caption or f"表{i + 1}",
                    "rows": len(view.rows),
                    "columns": [(c.get("key", ""), c.get("label", "")) for c in view.columns],
                }
                for i, view in enumerate(views)
            ]
            entries.append(
                {
                    "slot": slot,
                    "item": uid,
                    "block": str(block.get("uid") or ""),
                    "label": services.block_label(block),
                    "tables": tables,
                }
            )
            slot += 1
        targets[uid] = entries
    return targets


def _pins_from_post(data) -> list[dict]:
    pins = []
    slots = sorted(
        {int(k.split("-")[1]) for k in data if k.startswith("pin-") and k.split("-")[1].isdigit()}
    )
    for n in slots:
        body = (data.get(f"pin-{n}-comment") or "").strip()
        if not body:
            continue
        pins.append(
            {
                "item": data.get(f"pin-{n}-item") or "",
                "block": data.get(f"pin-{n}-block") or None,
                "table": data.get(f"pin-{n}-table") or 0,
                "row": data.get(f"pin-{n}-row") or None,
                "column": data.get(f"pin-{n}-column") or None,
                "comment": body,
            }
        )
    return pins


def _review_context(request: HttpRequest, section: Section, compare: str) -> dict:
    content = sel.review_content(section)
    render_error = ""
    try:
        items = render_tree(content)
    except (ValueError, ApplicationError) as exc:
        items = []
        render_error = getattr(exc, "message", str(exc))
    last_return = sel.latest_return(section)
    comments = sel.return_comments(last_return)
    by_place = sel.comments_by_place(comments)
    item_uids = {str(item.get("uid")) for _d, _i, item in walk(content.get("items", []))}
    orphaned = [c for uid, group in by_place.items() if uid and uid not in item_uids for c in group]

    compare_label = ""
    old_content = None
    previous_section = None
    if compare == "previous":
        previous_section, old_content = sel.previous_year_content(section)
        if previous_section is not None:
            compare_label = f"{format_fiscal_year(previous_section.report.fiscal_year)}（公開版）"
    elif last_return is not None:
        old_content = last_return.snapshot.content
        returned_as = f"第{last_return.content_version}版、" if last_return.content_version else ""
        compare_label = f"前回の差戻し時（{returned_as}{wareki_datetime(last_return.created_at)}）"
    diff = diff_contents(old_content, content) if old_content is not None else None

    can_return = policy.can(request.user, "return", section)
    return {
        "section": section,
        "report": section.report,
        "content": content,
        "items": items,
        "render_error": render_error,
        "last_return": last_return,
        "general_comments": by_place.get("", []),
        "pinned_comments": [c for c in comments if not c.is_general],
        "comments_by_item": by_place,
        "orphaned_comments": orphaned,
        "resolved_count": sum(1 for c in comments if c.is_resolved),
        "comment_count": len(comments),
        "can_resolve": section.is_editable
        and policy.can(request.user, "edit", section)
        and last_return is not None,
        "pin_targets": _pin_targets(content) if can_return else {},
        "compare": compare if compare == "previous" else "returned",
        "compare_label": compare_label,
        "diff": diff,
        "timeline": sel.section_timeline(section),
    }


def _error_links(error: ApplicationError, section: Section, content: dict) -> list[dict]:
    """A refusal's problems, each with a link to the item of the editor where it is fixed.

    Submission problems are keyed by JSON pointer (/items/0/children/1/blocks/0/...); the
    longest item pointer that prefixes a key names the item (one query for their ids).
    Problems with no place keep their text and get no link.
    """
    problems = error_details(error)
    if not problems:
        return []
    places = {pointer: item for pointer, _place, item in services.item_places(content)}
    owner: dict[str, str] = {}
    for key, _text in problems:
        matches = [p for p in places if key == p or key.startswith(p + "/")]
        if matches:
            owner[key] = str(places[max(matches, key=len)].get("uid") or "")
    ids = dict(
        Item.objects.filter(
            section_id=section.pk, uid__in=[u for u in owner.values() if u]
        ).values_list("uid", "pk")
    )
    ids = {str(uid): pk for uid, pk in ids.items()}
    editor = reverse("section-editor", args=[section.pk])
    links = []
    for key, text in problems:
        pk = ids.get(owner.get(key, ""))
        links.append({"text": text, "href": f"{editor}#item-{pk}" if pk else ""})
    return links


def _report_error_links(error: ApplicationError, sections: list[Section]) -> list[dict]:
    """A report refusal's figure problems, each linked to the section's review page."""
    details = getattr(error, "details", None)
    if getattr(error, "code", "") != "figures" or not isinstance(details, dict):
        return []
    by_code = {s.department.code: s for s in sections}
    links = []
    for key, text in details.items():
        code = str(key).split("/")[2] if str(key).startswith("/sections/") else ""
        section = by_code.get(code)
        href = reverse("workflow-section-review", args=[section.pk]) if section else ""
        links.append({"text": str(text), "href": href})
    return links


def _render_review(
    request: HttpRequest,
    section: Section,
    *,
    error: ApplicationError | None = None,
    status: int = 200,
) -> HttpResponse:
    compare = request.GET.get("compare", "")
    context = _review_context(request, section, compare)
    context["error"] = error
    context["error_links"] = _error_links(error, section, context["content"]) if error else []
    context["form_data"] = request.POST if request.method == "POST" else {}
    return _private(render(request, "staff/workflow/review.html", context, status=status))


@login_required
@require_GET
@app_errors
def section_review(request: HttpRequest, pk: int) -> HttpResponse:
    section = _section(pk)
    policy.check(request.user, "view", section)
    return _render_review(request, section)


@login_required
@require_POST
def section_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Run one transition from a form; a refusal re-renders the review page with the reason."""
    if action not in services.TRANSITIONS:
        raise Http404("この操作はありません。")
    section = _section(pk)
    raw_version = request.POST.get("version", "")
    seen_version = int(raw_version) if raw_version.isdigit() else None
    user = request.user
    try:
        if raw_version and seen_version is None:
            raise InvalidInput("版の指定が正しくありません。画面を更新してください。")
        if action == "submit":
            services.section_submit(section=section, user=user, seen_version=seen_version)
        elif action == "forward":
            services.section_forward(section=section, user=user, seen_version=seen_version)
        elif action == "return":
            services.section_return(
                section=section,
                user=user,
                comment=request.POST.get("comment", ""),
                pinned=_pins_from_post(request.POST),
                seen_version=seen_version,
            )
        elif action == "approve":
            services.section_approve(section=section, user=user, seen_version=seen_version)
        elif action == "reopen":
            services.section_reopen(
                section=section,
                user=user,
                reason=request.POST.get("reason", ""),
                seen_version=seen_version,
            )
    except ApplicationError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from None
        section.refresh_from_db()
        return _render_review(request, section, error=exc, status=exc.status)
    acted_on = section.content_version  # a transition never changes it
    messages.success(
        request,
        SUCCESS_WITH_VERSION[action].format(v=f"第{acted_on}版") if acted_on else SUCCESS[action],
    )
    default = reverse("workflow-section-review", args=[section.pk])
    return HttpResponseRedirect(_next_url(request, default))


@login_required
@require_POST
def comment_resolve(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    section = _section(pk)
    comment = get_object_or_404(ReviewComment, pk=comment_pk, section_id=section.pk)
    resolved = request.POST.get("resolved", "1") != "0"
    try:
        services.comment_resolve(comment=comment, user=request.user, resolved=resolved)
    except ApplicationError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from None
        return _render_review(request, section, error=exc, status=exc.status)
    messages.success(
        request, "コメントを対応済みにしました。" if resolved else "コメントを未対応に戻しました。"
    )
    default = reverse("workflow-section-review", args=[section.pk]) + f"#comment-{comment.pk}"
    return HttpResponseRedirect(_next_url(request, default))


# -- previews (案) -----------------------------------------------------------------------------


def _render_preview(request: HttpRequest, report: AnnualReport, parts: list[dict]) -> HttpResponse:
    # 案 marks what citizens cannot read yet. A published report's preview shows its published
    # snapshots, so it says that and links to the public edition instead.
    draft = report.state != AnnualReport.State.PUBLISHED
    context = {"report": report, "parts": parts, "draft": draft}
    return _private(render(request, "staff/workflow/preview.html", context))


def _part(section: Section, content: dict) -> dict:
    try:
        items, error = render_tree(content), ""
    except (ValueError, ApplicationError) as exc:
        items, error = [], getattr(exc, "message", str(exc))
    return {
        "section": section,
        "department_name": section.department_name,
        "items": items,
        "error": error,
    }


@login_required
@require_GET
@app_errors
def section_preview(request: HttpRequest, pk: int) -> HttpResponse:
    section = _section(pk)
    policy.check(request.user, "preview", section)
    return _render_preview(request, section.report, [_part(section, sel.review_content(section))])


def report_contents(report: AnnualReport, sections: list[Section]) -> dict[int, dict]:
    """Every section's content in a fixed number of queries: approved sections from their
    approved snapshot, the others live (items and blocks in two queries, references resolved
    in one bulk call per block kind)."""
    snapshots = sel.approved_snapshots(report)
    live = [s for s in sections if s.pk not in snapshots]
    items_by_section: dict[int, list[Item]] = {s.pk: [] for s in live}
    for item in Item.objects.filter(section_id__in=[s.pk for s in live]).order_by(
        "parent_id", "position", "id"
    ):
        items_by_section[item.section_id].append(item)
    item_blocks: dict[int, list[Block]] = {}
    for block in Block.objects.filter(item__section_id__in=[s.pk for s in live]).order_by(
        "item_id", "position", "id"
    ):
        item_blocks.setdefault(block.item_id, []).append(block)
    out: dict[int, dict] = {}
    for section in sections:
        if section.pk in snapshots:
            out[section.pk] = snapshots[section.pk].content
    block_dicts: list[dict] = []
    for section in live:
        content = build_content(
            section.department.code,
            section.department_name,
            report.fiscal_year,
            items_by_section[section.pk],
            item_blocks,
            resolve=False,
        )
        for _d, _i, item in walk(content["items"]):
            block_dicts.extend(item.get("blocks", []))
        out[section.pk] = content
    resolve_blocks(block_dicts, fiscal_year=report.fiscal_year)
    return out


@login_required
@require_GET
@app_errors
def report_preview(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    report = _report(fiscal_year)
    policy.check(request.user, "preview", report)
    sections = list(
        Section.objects.filter(report=report)
        .select_related("department", "report")
        .order_by("department__display_order", "department__code")
    )
    contents = report_contents(report, sections)
    return _render_preview(request, report, [_part(s, contents[s.pk]) for s in sections])


# -- dashboard ---------------------------------------------------------------------------------


@login_required
@require_GET
@app_errors
def dashboard(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    report = _report(fiscal_year)
    policy.check(request.user, "dashboard", report)
    board = sel.dashboard(report=report, params=request.GET)
    timeline = sel.state_timeline(report=report)
    return render(
        request,
        "staff/workflow/dashboard.html",
        {
            "report": report,
            "board": board,
            "timeline": timeline,
            "timeline_chart": _timeline_chart(report, timeline),
            "query": request.GET.urlencode(),
        },
    )


def _timeline_chart(report, timeline: sel.StateTimeline):
    """The progress toward the deadline as a chart (its table is printed next to it)."""
    from akiruno import wareki
    from reports import charts

    if not timeline.dates:
        return None
    last = timeline.rows[-1][1]
    figures = "、".join(
        f"{label}{count}件" for (_, label), count in zip(timeline.states, last, strict=True)
    )
    deadline = f"提出期限は{wareki.format_date(timeline.deadline)}。" if timeline.deadline else ""
    alt = (
        f"課別報告の状態ごとの件数の推移を示す折れ線グラフ。"
        f"{wareki.format_date(timeline.dates[0])}から{wareki.format_date(timeline.dates[-1])}まで、"
        f"最後の日の件数は{figures}。{deadline}"
    )
    return charts.timeline_chart(
        title="状態ごとの件数の推移",
        dates=timeline.dates,
        series=[(label, timeline.counts[value]) for value, label in timeline.states],
        deadline=timeline.deadline,
        unit="件",
        alt=alt,
    )


def _xlsx_response(workbook, filename: str) -> HttpResponse:
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private(response)


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M:%S") if dt else ""


@login_required
@require_GET
@app_errors
def dashboard_xlsx(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    report = _report(fiscal_year)
    policy.check(request.user, "dashboard", report)
    board = sel.dashboard(report=report, params=request.GET)
    wb = Workbook()
    ws = wb.active
    ws.title = "進捗"
    states = [label for _v, label in board.states]
    ws.append(
        [
            "課",
            *states,
            "現在の担当",
            "提出期限",
            "超過日数",
            "この状態になった日時",
            "最終操作者",
            "差戻し回数",
            "未対応コメント",
        ]
    )
    for row in board.rows:
        marks = ["●" if value == row.section.state else "" for value, _l in board.states]
        ws.append(
            [
                row.section.department_name,
                *marks,
                row.holder,
                report.deadline.isoformat() if report.deadline else "",
                row.days_overdue,
                _local(row.state_since),
                row.last_actor,
                row.returns,
                row.open_comments,
            ]
        )
    ws.append(["合計", *[count for _v, _l, count in board.count_list]])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "B2"
    ws.column_dimensions["A"].width = 24
    return _xlsx_response(wb, f"dashboard-{report.fiscal_year}.xlsx")


# -- audit log ---------------------------------------------------------------------------------


AUDIT_HEADER = [
    "日時", "年度", "課", "操作", "変更前", "変更後", "操作者", "ユーザー名", "コメント",
    "内容の版", "内容のチェックサム（SHA-256）",
]  # fmt: skip


def _audit_rows(report: AnnualReport, events, include_report_events: bool) -> Iterator[list]:
    fy = format_fiscal_year(report.fiscal_year)
    for event in events.iterator(chunk_size=500):
        yield [
            _local(event.created_at),
            fy,
            event.section.department_name,
            event.get_action_display(),
            event.get_from_state_display(),
            event.get_to_state_display(),
            str(event.actor),
            event.actor.username,
            event.comment,
            event.content_version,  # the 第N版 acted on, never the concurrency token
            event.snapshot.checksum,
        ]
    if include_report_events:
        for event in sel.report_events(report):
            actor = event.actor
            yield [
                _local(event.created_at),
                fy,
                "（報告書全体）",
                event.get_action_display(),
                "",
                "",
                str(actor) if actor else "システム",
                actor.username if actor else "",
                event.comment,
                "",
                "",
            ]


def _audit_report_events_included(params) -> bool:
    return not any(params.get(k) for k in ("department", "actor", "action"))


@login_required
@require_GET
@app_errors
def audit_log(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    report = _report(fiscal_year)
    policy.check(request.user, "audit", report)
    events, flt = sel.audit_events(report=report, params=request.GET)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "staff/workflow/audit.html",
        {
            "report": report,
            "page": page,
            "filter": flt,
            "query": params.urlencode(),
            "report_events": sel.report_events(report)
            if _audit_report_events_included(request.GET)
            else [],
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
@app_errors
def audit_export(request: HttpRequest, fiscal_year: int, fmt: str) -> HttpResponse:
    if fmt not in {"csv", "xlsx"}:
        raise Http404("CSV か xlsx を指定してください。")
    report = _report(fiscal_year)
    policy.check(request.user, "audit", report)
    events, _flt = sel.audit_events(report=report, params=request.GET)
    rows = _audit_rows(report, events, _audit_report_events_included(request.GET))
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("審査の記録")
        ws.append(AUDIT_HEADER)
        for row in rows:
            ws.append(row)
        return _xlsx_response(wb, f"audit-{report.fiscal_year}.xlsx")
    writer = csv.writer(_Echo())

    def stream() -> Iterator[str]:
        yield "\ufeff"  # a BOM, so that Excel opens the UTF-8 file as Japanese text
        yield writer.writerow(AUDIT_HEADER)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{report.fiscal_year}.csv"'
    return _private(response)


# -- the report's approval ---------------------------------------------------------------------


@login_required
@app_errors
def report_approval(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    report = _report(fiscal_year)
    policy.check(request.user, "dashboard", report)
    error = None
    if request.method == "POST":
        raw = request.POST.get("version", "")
        try:
            approved = services.report_approve(
                report=report, user=request.user, seen_version=int(raw) if raw.isdigit() else None
            )
        except ApplicationError as exc:
            if exc.status == 404:
                raise Http404(exc.message) from None
            error = exc
            report.refresh_from_db()
        else:
            build = getattr(approved, "queued_build", None)
            if build is not None:
                # Where tasks run in-process the build may already be done: say what is true.
                build.refresh_from_db(fields=["status"])
            if build is not None and build.status == build.Status.SUCCEEDED:
                text = (
                    f"報告書を承認しました。内容を確定し、構築#{build.pk}が完了しました。"
                    "公開の状態は下の「構築の進み具合」で確かめられます。"
                )
            elif build is not None and build.status == build.Status.QUEUED:
                text = (
                    f"報告書を承認しました。内容を確定し、構築#{build.pk}を"
                    "待機中として受け付けました。順に処理され、完了すると公開されます。"
                )
            else:
                text = "報告書を承認しました。内容を確定し、報告書の構築を開始しました。"
            messages.success(request, text)
            return redirect("workflow-report-approval", fiscal_year=report.fiscal_year)
    elif request.method != "GET":
        return HttpResponse(status=405)
    approvable, reasons = services.report_is_approvable(report)
    # Approving answers at once; the build it started is followed here (and on its own page).
    latest = (
        Build.objects.filter(report=report, kind=Build.Kind.RELEASE)
        .select_related("report", "section", "requested_by")
        .order_by("-created_at", "-id")
        .first()
        if report.state != AnnualReport.State.PREPARING
        else None
    )
    sections = list(
        Section.objects.filter(report=report)
        .select_related("department")
        .order_by("department__display_order", "department__code")
    )
    return render(
        request,
        "staff/workflow/approval.html",
        {
            "report": report,
            "approvable": approvable,
            "reasons": reasons,
            "sections": sections,
            "can_approve": policy.can(request.user, "approve", report),
            "error": error,
            "error_links": _report_error_links(error, sections) if error else [],
            "events": sel.report_events(report),
            "build_row": build_row_context(request, latest) if latest else None,
        },
        status=error.status if error else 200,
    )


# -- notifications -----------------------------------------------------------------------------


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    qs = Notification.objects.filter(recipient=request.user).select_related("section")
    if request.GET.get("unread") == "1":
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "staff/workflow/notifications.html",
        {
            "page": page,
            "unread_only": request.GET.get("unread") == "1",
            "query": "unread=1" if request.GET.get("unread") == "1" else "",
            "unread": notification_services.unread_count(request.user),
        },
    )


@login_required
@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notification_services.mark_read(user=request.user, notification_ids=[notification.pk])
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=set()):
        target = reverse("workflow-notifications")
    return HttpResponseRedirect(target)


@login_required
@require_POST
def notifications_mark_read(request: HttpRequest) -> HttpResponse:
    ids = [int(v) for v in request.POST.getlist("notification") if v.isdigit()]
    count = notification_services.mark_read(
        user=request.user, notification_ids=ids if ids else None
    )
    messages.success(request, f"{count}件の通知を既読にしました。")
    return HttpResponseRedirect(_next_url(request, reverse("workflow-notifications")))
