"""Staff pages for the interchange format: export a year, import a file with a preview first."""

from __future__ import annotations

import hashlib
import json
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from akiruno.exceptions import ApplicationError, PermissionDenied
from reports.models import AnnualReport, Item, Section
from reports.permissions import policy
from reports.services.import_changes import CREATE, DELETE, KEEP, REPLACE, UNCHANGED, scope_document
from reports.services.import_changes import counts as change_counts
from reports.services.import_messages import json_error
from reports.services.interchange import (
    ImportResult,
    canonical_json,
    export_report,
    import_report,
)

PENDING_SECONDS = 30 * 60
MAX_IMPORT_BYTES = getattr(settings, "MAX_IMPORT_BYTES", 20 * 1024 * 1024)


def _pending_key(user_id: int, token: str) -> str:
    return f"import-pending:{user_id}:{token}"


@login_required
@require_GET
def report_export(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    report = AnnualReport.objects.filter(fiscal_year=fiscal_year).first()
    if report is None or not policy.can(request.user, "view", report):
        raise Http404("見つかりません。")
    if not policy.can(request.user, "export", report):
        return render(
            request,
            "403.html",
            {"message": "書き出しはシステム管理者と審査担当のみ行えます。"},
            status=403,
        )
    department = request.GET.get("department") or None
    try:
        document = export_report(fiscal_year=fiscal_year, department=department)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("report-sections", fiscal_year=fiscal_year)
    name = f"jimuhokoku-{fiscal_year}{'-' + department if department else ''}.json"
    response = HttpResponse(
        canonical_json(document), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _may_import(user) -> bool:
    return policy.can(user, "import", AnnualReport(fiscal_year=0, title=""))


def _preview(
    document: dict, result: ImportResult | None = None, department: str | None = None
) -> dict:
    """What an import would change, section by section and record by record (read only)."""
    fiscal_year = document.get("fiscal_year")
    changes = list(result.changes) if result else []
    document = scope_document(document, department)
    existing = {
        s.department.code: s
        for s in Section.objects.filter(report__fiscal_year=fiscal_year).select_related(
            "department"
        )
    }
    counts = {}
    for row in Item.objects.filter(section__report__fiscal_year=fiscal_year).values_list(
        "section__department__code"
    ):
        counts[row[0]] = counts.get(row[0], 0) + 1

    def count_items(items: list[dict]) -> int:
        return sum(1 + count_items(i.get("children", [])) for i in items)

    section_actions = {c.key: c.action_label for c in changes if c.kind == "section"}
    rows = []
    for data in document.get("sections", []):
        code = data.get("department")
        current = existing.get(code)
        rows.append(
            {
                "code": code,
                "name": next(
                    (d["name"] for d in document.get("departments", []) if d["code"] == code), code
                ),
                "action": section_actions.get(code, "置換" if current else "新規"),
                "current_state": current.get_state_display() if current else "—",
                "current_items": counts.get(code, 0),
                "new_items": count_items(data.get("items", [])),
            }
        )
    meetings = document.get("meetings") or {}
    finance = document.get("finance") or {}
    return {
        "fiscal_year": fiscal_year,
        "title": (document.get("report") or {}).get("title", ""),
        "exists": bool(existing),
        "sections": rows,
        "bodies": len(meetings.get("bodies", [])),
        "sessions": sum(len(b.get("sessions", [])) for b in meetings.get("bodies", [])),
        "accounts": len(finance.get("accounts", [])),
        "comparisons": len(finance.get("comparisons", [])),
        "department": department,
        "changes": [c for c in changes if c.action in (CREATE, REPLACE, DELETE)],
        "kept": [c for c in changes if c.action == KEEP],
        "unchanged": sum(1 for c in changes if c.action == UNCHANGED),
        "deletions": [c for c in changes if c.action == DELETE],
        "counts": change_counts(changes),
    }


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    if not _may_import(request.user):
        raise Http404("見つかりません。")
    context: dict = {"max_mb": MAX_IMPORT_BYTES // (1024 * 1024)}
    if request.method == "GET":
        return render(request, "staff/interchange/import.html", context)
    upload = request.FILES.get("file")
    options = {
        "replace": request.POST.get("replace") == "on",
        "keep_states": request.POST.get("keep_states") == "on",
        "delete_missing": request.POST.get("delete_missing") == "on",
        "department": (request.POST.get("department") or "").strip() or None,
    }
    context["options"] = options
    if upload is None:
        context["errors"] = {"file": "取り込むファイルを選んでください。"}
        return render(request, "staff/interchange/import.html", context, status=400)
    if upload.size > MAX_IMPORT_BYTES:
        context["errors"] = {
            "file": f"ファイルが大きすぎます（{upload.size / 1024 / 1024:.1f} MB）。{context['max_mb']} MB 以下にしてください。"
        }
        return render(request, "staff/interchange/import.html", context, status=400)
    raw = upload.read()
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        context["errors"] = {
            "file": f"JSON として読めません。{json_error(exc)}交換形式の JSON ファイルを選んでください。"
        }
        return render(request, "staff/interchange/import.html", context, status=400)
    try:
        result = import_report(document, user=request.user, dry_run=True, **options)
    except ApplicationError as exc:
        context["message"] = exc.message
        context["errors"] = exc.details if isinstance(exc.details, dict) else {}
        return render(request, "staff/interchange/import.html", context, status=exc.status)
    token = uuid.uuid4().hex
    cache.set(
        _pending_key(request.user.pk, token),
        {
            "document": document,
            "options": options,
            "filename": upload.name or "",
            "checksum": hashlib.sha256(raw).hexdigest(),
            "deletions": len(result.deleted),
        },
        PENDING_SECONDS,
    )
    context.update({"token": token, "preview": _preview(document, result, options["department"])})
    return render(request, "staff/interchange/preview.html", context)


@login_required
@require_POST
def import_confirm(request: HttpRequest) -> HttpResponse:
    if not _may_import(request.user):
        raise Http404("見つかりません。")
    token = request.POST.get("token", "")
    pending = cache.get(_pending_key(request.user.pk, token)) if token.isalnum() else None
    if pending is None:
        messages.error(request, "確認の有効期限が切れました。もう一度ファイルを選んでください。")
        return redirect("interchange-import")
    confirm_delete = request.POST.get("confirm_delete") == "on"
    if pending.get("deletions") and not confirm_delete:
        messages.error(
            request,
            f"この取込みはファイルにない {pending['deletions']} 件の記録を削除します。"
            "削除してよければ「削除を確認しました」にチェックを入れてから取り込んでください。"
            "何も取り込んでいません。",
        )
        return render(
            request,
            "staff/interchange/preview.html",
            {
                "token": token,
                "options": pending["options"],
                "preview": _preview(
                    pending["document"],
                    _dry_run(request, pending),
                    pending["options"]["department"],
                ),
                "confirm_error": True,
            },
            status=400,
        )
    try:
        result = import_report(
            pending["document"],
            user=request.user,
            confirm_delete=confirm_delete,
            source="upload",
            filename=pending.get("filename", ""),
            checksum=pending.get("checksum", ""),
            **pending["options"],
        )
    except (ApplicationError, PermissionDenied) as exc:
        messages.error(request, f"取り込めませんでした: {exc.message}")
        return redirect("interchange-import")
    cache.delete(_pending_key(request.user.pk, token))
    messages.success(request, result.summary())
    return redirect("report-sections", fiscal_year=result.fiscal_year)


def _dry_run(request: HttpRequest, pending: dict) -> ImportResult | None:
    try:
        return import_report(
            pending["document"], user=request.user, dry_run=True, **pending["options"]
        )
    except (ApplicationError, PermissionDenied):
        return None
