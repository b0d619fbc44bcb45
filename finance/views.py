"""Staff pages for finance records (/staff/finance/). Thin: policy, selectors, services, render.

Every page works without JavaScript: the grid is a plain form ("計算して確認" re-renders it with
the computed figures, "保存" saves). With htmx, a change in the grid posts it for checking and
swaps in the computed cells and the check panel only.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from akiruno import fiscal, wareki
from akiruno.exceptions import ApplicationError, InvalidInput, NotFound, StaleVersion
from akiruno.exceptions import PermissionDenied as DomainPermissionDenied

from . import forms, selectors, services, sheets, tables, validation
from .kinds import KINDS, SLUG_OF, SLUGS, borrowing_accounts, identity


def _kind(slug: str) -> str:
    try:
        return SLUGS[slug]
    except KeyError:
        raise Http404("見つかりません。") from None


def _year(year: int) -> int:
    if not fiscal.FIRST_FISCAL_YEAR <= year <= fiscal.LAST_FISCAL_YEAR or year < 1900:
        raise Http404("見つかりません。")
    return year


def _entry(request: HttpRequest, kind: str, pk: int) -> selectors.Entry:
    try:
        return selectors.record_entry(kind=kind, pk=pk, user=request.user)
    except NotFound:
        raise Http404("見つかりません。") from None


def _version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1


def _extra(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("extra", 3))
    except ValueError:
        return 3


def record_url(kind: str, pk: int) -> str:
    return reverse("finance-record", args=[SLUG_OF[kind], pk])


# -- the year --------------------------------------------------------------------------------


@login_required
@require_GET
def finance_home(request: HttpRequest) -> HttpResponse:
    department = selectors.finance_department()
    if not selectors.can_browse(request.user, department):
        raise Http404("見つかりません。")
    years = selectors.finance_years()
    year = years[0] if years else fiscal.fiscal_year_of(timezone.localdate())
    return redirect("finance-year", year=year)


@login_required
@require_GET
def year_overview(request: HttpRequest, year: int) -> HttpResponse:
    year = _year(year)
    department = selectors.finance_department()
    if not selectors.can_browse(request.user, department):
        raise Http404("見つかりません。")
    data = selectors.year_data(fiscal_year=year, user=request.user)
    years = selectors.finance_years()
    accounts = [(entry, selectors.year_totals(entry)) for entry in data.accounts]
    context = {
        "year": year,
        "year_label": wareki.format_fiscal_year(year),
        "data": data,
        "accounts": accounts,
        "years": years if year in years else sorted({*years, year}, reverse=True),
        "can_create": selectors.can_create(request.user, department),
        "can_start": year - 1 in years,
        "issues": [
            {
                "title": e.title,
                "url": record_url(e.kind.name, e.obj.pk),
                "message": issue.message,
                "note": getattr(issue, "note", ""),
            }
            for e in data.entries
            for issue in [*e.problems, *e.differences]
        ],
    }
    return render(request, "staff/finance/year.html", context)


@login_required
@require_GET
def year_download(request: HttpRequest, year: int) -> HttpResponse:
    year = _year(year)
    department = selectors.finance_department()
    if not selectors.can_browse(request.user, department):
        raise Http404("見つかりません。")
    data = selectors.year_data(fiscal_year=year, user=request.user, with_last_year=False)
    sheets_ = [(e.title, tables.record_tables(e.kind.name, e.data)) for e in data.entries]
    return _xlsx(sheets.workbook_bytes(sheets_), f"finance-{year}.xlsx")


@login_required
@require_POST
def year_start(request: HttpRequest, year: int) -> HttpResponse:
    year = _year(year)
    try:
        done = services.finance_start_year(fiscal_year=year, user=request.user)
    except DomainPermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("finance-year", year=year)
    parts = []
    if done["created"]:
        parts.append(f"作成 {len(done['created'])}件（{'、'.join(done['created'])}）")
    if done["filled"]:
        parts.append(f"前年度欄を補完 {len(done['filled'])}件（{'、'.join(done['filled'])}）")
    if done["kept"]:
        parts.append(f"既存のため変更なし {len(done['kept'])}件")
    messages.success(
        request, f"{wareki.format_fiscal_year(year - 1)}から引き継ぎました：" + "、".join(parts)
    )
    return redirect("finance-year", year=year)


# -- a record ---------------------------------------------------------------------------------


def _render_record(
    request: HttpRequest,
    *,
    kind: str,
    year: int,
    entry: selectors.Entry | None,
    form: forms.RecordForm,
    checked: dict | None = None,
    summary: list | None = None,
    error_message: str = "",
    status: int = 200,
    paste_text: str = "",
) -> HttpResponse:
    spec = KINDS[kind]
    data = checked if checked is not None else (entry.data if entry else None)
    problems = spec.problems(data) if data and not summary else []
    preview = []
    if data and not summary:
        try:
            preview = tables.record_tables(kind, data)
        except TypeError:  # a figure missing while editing: nothing to preview yet
            preview = []
    if request.method == "POST":
        # Echo the version the user started from: after a conflict, saving again must fail
        # again rather than overwrite the other person's figures.
        form_version = _version(request)
    else:
        form_version = entry.obj.version if entry else 0
    context = {
        "form_version": form_version,
        "kind": kind,
        "slug": SLUG_OF[kind],
        "spec": spec,
        "year": year,
        "year_label": wareki.format_fiscal_year(year),
        "entry": entry,
        "form": form,
        "preview": preview,
        "problems": problems,
        "differences": entry.differences if entry else [],
        "summary": summary or [],
        "error_message": error_message,
        "can_edit": entry is None or _can_edit(request, entry),
        "paste_text": paste_text,
        "paste_targets": _paste_targets(kind, entry.data if entry else form.data),
        "title": entry.title if entry else f"{spec.label}の新規作成",
    }
    if request.headers.get("HX-Request") and request.POST.get("action") == "preview":
        return render(request, "staff/finance/_check.html", context, status=status)
    return render(request, "staff/finance/record.html", context, status=status)


def _can_edit(request: HttpRequest, entry: selectors.Entry) -> bool:
    from reports.permissions import policy

    return policy.can(request.user, "edit", entry.obj)


def _paste_targets(kind: str, data: dict) -> list[tuple[str, str]]:
    if kind == "account":
        from . import compute

        return [
            (p, compute.PART_LABELS[p])
            for p in compute.PARTS_BY_KIND[data.get("kind") or "special"]
        ]
    if kind == "bonds":
        return [("loans", "借入状況"), ("balances", "借入先別現在高")]
    return []


def _check(kind: str, form: forms.RecordForm, year: int) -> tuple[dict, list]:
    """Validate the posted grid without saving: the computed figures and the errors at cells."""
    errors = validation.Errors()
    names = borrowing_accounts(year) if kind == "bonds" else None
    clean = KINDS[kind].clean(form.raw, errors, fiscal_year=year, account_names=names)
    try:
        form.fill_computed(clean)
    except TypeError:
        pass  # a required figure is missing; its error is in the summary
    return clean, form.apply_errors(errors.items)


@login_required
def record_new(request: HttpRequest, year: int, slug: str) -> HttpResponse:
    year = _year(year)
    kind = _kind(slug)
    department = selectors.finance_department()
    if not selectors.can_create(request.user, department):
        raise Http404("見つかりません。")
    blank = _blank_record(kind)
    if kind == "bonds":
        blank["_accounts"] = list(borrowing_accounts(year).items())
        chosen = request.POST.get("account") or request.GET.get("account") or ""
        blank["account"] = chosen if chosen in dict(blank["_accounts"]) else ""
    if request.method != "POST":
        return _render_record(
            request,
            kind=kind,
            year=year,
            entry=None,
            form=forms.FORMS[kind](blank, extra=_extra(request) or 5),
        )
    form = forms.FORMS[kind](blank, post=request.POST)
    if request.POST.get("action") == "preview":
        clean, summary = _check(kind, form, year)
        return _render_record(
            request, kind=kind, year=year, entry=None, form=form, checked=clean, summary=summary
        )
    try:
        obj = services.record_create(kind=kind, fiscal_year=year, user=request.user, raw=form.raw)
    except InvalidInput as exc:
        _check(kind, form, year)
        summary = form.apply_errors(exc.details or {})
        return _render_record(
            request,
            kind=kind,
            year=year,
            entry=None,
            form=form,
            summary=summary,
            error_message=exc.message,
            status=400,
        )
    except ApplicationError as exc:
        return _render_record(
            request,
            kind=kind,
            year=year,
            entry=None,
            form=form,
            error_message=exc.message,
            status=exc.status,
        )
    created = (
        KINDS[kind].title(obj_data(obj), borrowing_accounts(year))
        if kind == "bonds"
        else KINDS[kind].label
    )
    messages.success(request, f"{created}を作成しました。")
    return redirect(record_url(kind, obj.pk))


def obj_data(obj) -> dict:
    """The identifying part of a new ledger, for the message naming it."""
    return {"account": obj.account.key} if getattr(obj, "account_id", None) else {}


def _blank_record(kind: str) -> dict:
    if kind == "account":
        return {
            "kind": "special",
            "unit": "千円",
            "order": 0,
            "supplementary_count": 0,
            "parts": [],
        }
    if kind == "bonds":
        return {"unit": "千円", "loans": [], "balances": []}
    if kind == "comparison":
        return {"unit": "千円", "order": 0, "rows": []}
    if kind == "fund":
        return {"unit": "千円", "order": 0, "deposits": [], "withdrawals": [], "sub_balances": []}
    return {"unit": "千円", "order": 0, "projects": []}


@login_required
def record_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    kind = _kind(slug)
    entry = _entry(request, kind, pk)
    year = entry.obj.fiscal_year
    if request.method != "POST":
        form = forms.FORMS[kind](entry.data, extra=_extra(request))
        form.fill_computed(entry.data)
        return _render_record(request, kind=kind, year=year, entry=entry, form=form)
    if not _can_edit(request, entry):
        raise DjangoPermissionDenied("この財政データを編集する権限がありません。")
    form = forms.FORMS[kind](entry.data, post=request.POST)
    if request.POST.get("action") == "preview":
        clean, summary = _check(kind, form, year)
        return _render_record(
            request, kind=kind, year=year, entry=entry, form=form, checked=clean, summary=summary
        )
    return _save(request, kind=kind, entry=entry, form=form, raw=form.raw)


def _save(
    request: HttpRequest,
    *,
    kind: str,
    entry: selectors.Entry,
    form: forms.RecordForm,
    raw: dict,
    paste_text: str = "",
) -> HttpResponse:
    year = entry.obj.fiscal_year
    try:
        services.record_save(
            record=entry.obj, raw=raw, user=request.user, version=_version(request)
        )
    except DomainPermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc
    except InvalidInput as exc:
        if raw is form.raw:  # the grid: errors at their cells
            _check(kind, form, year)
            summary = form.apply_errors(exc.details or {})
        else:  # a paste or an upload: errors by table, row and column in words
            summary = [("", m) for m in (exc.details or {}).values()] or [("", exc.message)]
        return _render_record(
            request,
            kind=kind,
            year=year,
            entry=entry,
            form=form,
            summary=summary,
            error_message=exc.message,
            status=400,
            paste_text=paste_text,
        )
    except StaleVersion as exc:
        return _render_record(
            request,
            kind=kind,
            year=year,
            entry=entry,
            form=form,
            error_message=exc.message,
            status=409,
            paste_text=paste_text,
        )
    except ApplicationError as exc:
        return _render_record(
            request,
            kind=kind,
            year=year,
            entry=entry,
            form=form,
            error_message=exc.message,
            status=exc.status,
            paste_text=paste_text,
        )
    saved = selectors.entry_for(type(entry.obj).objects.get(pk=entry.obj.pk))
    messages.success(request, f"{saved.title}を保存しました。")
    for problem in saved.problems:
        messages.warning(request, f"{problem.message}（報告の提出前に直してください）")
    for difference in saved.differences:
        if not difference.noted:
            messages.warning(request, difference.message)
    return redirect(record_url(kind, entry.obj.pk))


@login_required
@require_POST
def record_paste(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    kind = _kind(slug)
    entry = _entry(request, kind, pk)
    if not _can_edit(request, entry):
        raise DjangoPermissionDenied("この財政データを編集する権限がありません。")
    text = request.POST.get("paste", "")
    target = request.POST.get("target", "")
    form = forms.FORMS[kind](entry.data)
    try:
        rows = sheets.read_tsv(text)
        if not any(any(str(c).strip() for c in row) for row in rows):
            raise InvalidInput(
                "貼り付ける内容がありません。Excel で範囲をコピーして貼り付けてください。"
            )
        raw = _raw_from_rows(kind, rows, entry.data, target=target)
    except InvalidInput as exc:
        summary = [("paste", m) for m in (exc.details or {}).values()]
        return _render_record(
            request,
            kind=kind,
            year=entry.obj.fiscal_year,
            entry=entry,
            form=form,
            summary=summary or [("paste", exc.message)],
            error_message=exc.message,
            status=400,
            paste_text=text,
        )
    return _save(request, kind=kind, entry=entry, form=form, raw=raw, paste_text=text)


@login_required
@require_POST
def record_upload(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    kind = _kind(slug)
    entry = _entry(request, kind, pk)
    if not _can_edit(request, entry):
        raise DjangoPermissionDenied("この財政データを編集する権限がありません。")
    form = forms.FORMS[kind](entry.data)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise InvalidInput(
                "ファイルを選んでください（.xlsx）。",
                details={"file": "ファイルを選んでください。"},
            )
        rows = sheets.read_upload(upload)
        raw = _raw_from_rows(kind, rows, entry.data, target=None)
    except InvalidInput as exc:
        return _render_record(
            request,
            kind=kind,
            year=entry.obj.fiscal_year,
            entry=entry,
            form=form,
            summary=[("file", exc.message)],
            error_message=exc.message,
            status=400,
        )
    return _save(request, kind=kind, entry=entry, form=form, raw=raw)


def _raw_from_rows(kind: str, rows: list, base: dict, *, target: str | None) -> dict:
    if kind == "account":
        if target:
            from . import compute

            if target not in compute.PARTS_BY_KIND[base["kind"]]:
                raise InvalidInput("貼り付け先の区分を選んでください。")
            return sheets.account_part_from_paste(rows, base, target)
        return sheets.account_from_sheet(rows, base)
    if kind == "comparison":
        return sheets.comparison_from_rows(rows, base)
    if kind == "bonds":
        return sheets.bonds_from_rows(rows, base, target=target or None)
    if kind == "fund":
        return sheets.fund_from_rows(rows, base)
    return sheets.grant_from_rows(rows, base)


@login_required
@require_GET
def record_download(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    kind = _kind(slug)
    entry = _entry(request, kind, pk)
    name = identity(entry.obj).replace(":", "-")
    content = sheets.workbook_bytes([(entry.title, tables.record_tables(kind, entry.data))])
    return _xlsx(content, f"finance-{entry.obj.fiscal_year}-{name}.xlsx")


@login_required
@require_POST
def record_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    kind = _kind(slug)
    entry = _entry(request, kind, pk)
    if request.POST.get("confirm") != "yes":
        messages.error(
            request, "削除するには「削除することを確認しました」にチェックを入れてください。"
        )
        return redirect(record_url(kind, pk))
    try:
        services.record_delete(record=entry.obj, user=request.user, version=_version(request))
    except DomainPermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(record_url(kind, pk))
    messages.success(request, f"{entry.title}を削除しました。")
    return redirect("finance-year", year=entry.obj.fiscal_year)


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=sheets.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
