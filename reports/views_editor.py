"""Staff pages for writing a section: the editor, the preview, the history, spreadsheets.

Thin: each view asks the policy (through the selectors and services), calls a service, and
renders. Every page works without JavaScript; with htmx a POST swaps only the part of the page
it changed (a block, a heading, or the item tree when numbering changes) and announces
`section-changed` so the live preview refreshes.

A refused save never throws the person's input away: the form comes back with what they typed,
each problem beside its field, and on a stale save the stored version shown next to it.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from akiruno import wareki
from akiruno.exceptions import (
    ApplicationError,
    Conflict,
    InvalidInput,
    NotFound,
    StaleVersion,
)
from akiruno.exceptions import (
    PermissionDenied as DomainPermissionDenied,
)
from reports import blocks, forms, selectors_content, spreadsheets
from reports import selectors_workflow as workflow_selectors
from reports.models import (
    AnnualReport,
    Block,
    Item,
    ReviewComment,
    Section,
    SectionEvent,
    SectionRevision,
)
from reports.permissions import policy
from reports.services import content as services
from reports.services import presence
from reports.snapshot import resolve_blocks
from reports.tree import flatten, render_tree

# -- plumbing ----------------------------------------------------------------------------------


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _section_or_404(request: HttpRequest, pk: int, action: str = "view") -> Section:
    try:
        return selectors_content.section_for(pk=pk, user=request.user, action=action)
    except NotFound:
        raise Http404("見つかりません。") from None


def _forbidden(
    request: HttpRequest, exc: ApplicationError, section: Section | None = None
) -> HttpResponse:
    """The refusal page, with a way back to the section and its review page (where the state
    that refused the edit can be changed: submitted, returned, reopened)."""
    context = {"message": exc.message, "section": section}
    return render(request, "staff/sections/refused.html", context, status=403)


def _check(request: HttpRequest, action: str, section: Section) -> HttpResponse | None:
    """None when allowed; a 404 (not visible) or 403 page otherwise."""
    try:
        policy.check(request.user, action, section)
    except NotFound:
        raise Http404("見つかりません。") from None
    except DomainPermissionDenied as exc:
        return _forbidden(request, exc, section)
    return None


def _editor_url(section: Section, anchor: str = "") -> str:
    url = reverse("section-editor", args=[section.pk])
    return f"{url}#{anchor}" if anchor else url


def _changed(response: HttpResponse, section: Section) -> HttpResponse:
    """Tell the page its section changed: the preview reloads, and the workflow panel's
    forms take the section's new version (X-Section-Version), so that submitting right after
    one's own save is not refused as stale. Changes made elsewhere still are."""
    response["HX-Trigger"] = "section-changed"
    version = Section.objects.filter(pk=section.pk).values_list("version", flat=True).first()
    if version is not None:
        response["X-Section-Version"] = str(version)
    return response


# -- block editor state ----------------------------------------------------------------------


@dataclass
class EditorBlock:
    """Everything a block's editor template needs."""

    block: Block
    kind_label: str
    template_name: str
    state: dict
    version: int
    errors: dict[str, str] = field(default_factory=dict)
    error_list: list[tuple[str, str]] = field(default_factory=list)
    message: str = ""
    notice: str = ""
    conflict: dict | None = None
    dirty: bool = False
    generic_fields: list[dict] = field(default_factory=list)
    has_tables: bool = False
    can_upload: bool = False
    open: bool = True  # False: shown as printed, with an "edit" button that opens the form
    preview: Any = None  # the printed block (template_name, view) when closed
    months: tuple = tuple(forms.MONTHS)
    chart_options: list[tuple[str, str, bool]] = field(default_factory=list)

    @property
    def pk(self) -> int:
        return self.block.pk

    @property
    def has_column_errors(self) -> bool:
        return any(key.startswith("col-") for key in self.errors)


def _editor_block(block: Block, state: dict | None = None, **extra: Any) -> EditorBlock:
    editor = forms.editor_for(block.kind)
    registry = blocks.kinds()
    kind = registry.get(block.kind)
    eb = EditorBlock(
        block=block,
        kind_label=kind.label if kind else block.kind,
        template_name=editor.template_name,
        state=state if state is not None else editor.initial(block.data),
        version=block.version,
        has_tables=kind is not None and type(kind).tables is not blocks.BlockKind.tables,
        can_upload=kind is not None and kind.accepts_rows,
        **extra,
    )
    if isinstance(editor, forms.GenericEditor) and kind is not None:
        eb.generic_fields = editor.fields(kind, block.data)
    if kind is not None:
        eb.chart_options = forms.chart_options(kind, forms.chart_choice(eb.state, block.data))
    return eb


def _closed_block(block: Block, printed: Any, **extra: Any) -> EditorBlock:
    registry = blocks.kinds()
    kind = registry.get(block.kind)
    return EditorBlock(
        block=block,
        kind_label=kind.label if kind else block.kind,
        template_name="",
        state={},
        version=block.version,
        has_tables=kind is not None and type(kind).tables is not blocks.BlockKind.tables,
        open=False,
        preview=printed,
        **extra,
    )


def _errors_for(block: Block, state: dict, exc: InvalidInput) -> tuple[dict, list]:
    editor = forms.editor_for(block.kind)
    details = exc.details or {}
    field_errors = editor.field_errors(details, state)
    listed = []
    for pointer, message in details.items():
        place = editor.place(pointer, state)
        listed.append(("" if place and place in message else place, message))
    return field_errors, listed


# -- editor page -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnComments:
    """The comments of the return that sent the section back, placed for the editor."""

    event: SectionEvent | None = None
    general: list[ReviewComment] = field(default_factory=list)  # no place, or a removed item
    pinned: dict[str, list[ReviewComment]] = field(default_factory=dict)  # by item uid
    all: list[ReviewComment] = field(default_factory=list)

    @property
    def open_count(self) -> int:
        return sum(1 for c in self.all if not c.is_resolved)


def _return_comments(section: Section, item_uids: set[str]) -> ReturnComments:
    """While a returned section is with its department, the editor shows the reviewer's
    comments next to the items they are pinned to (two queries; none in other states)."""
    if section.state != Section.State.RETURNED:
        return ReturnComments()
    event = workflow_selectors.latest_return(section)
    comments = workflow_selectors.return_comments(event)
    pinned: dict[str, list[ReviewComment]] = {}
    general = []
    for comment in comments:
        uid = str(comment.item_uid) if comment.item_uid else ""
        if uid in item_uids:
            pinned.setdefault(uid, []).append(comment)
        else:
            general.append(comment)
    return ReturnComments(event=event, general=general, pinned=pinned, all=comments)


def _editor_context(
    request: HttpRequest,
    section: Section,
    *,
    block_overrides: dict[int, EditorBlock] | None = None,
    item_overrides: dict[int, dict] | None = None,
    focus: str = "",
) -> dict:
    outline = selectors_content.section_outline(section=section)
    block_overrides = block_overrides or {}
    item_overrides = item_overrides or {}
    rendered = render_tree(outline.content())
    comments = _return_comments(section, {str(node.item.uid) for node in outline.items})
    printed = {b.uid: b for item in flatten(rendered) for b in item.blocks}
    nodes = []
    for node in outline.items:
        editors = []
        for b in node.blocks:
            eb = block_overrides.get(b.pk)
            if eb is None:
                # Closed: the printed block and an edit button. Forms open one at a time,
                # so a section of 500 items stays a light page.
                eb = _closed_block(b, printed.get(str(b.uid)))
            editors.append(eb)
        nodes.append(
            {
                "node": node,
                "heading": item_overrides.get(node.item.pk, {}),
                "blocks": editors,
                "comments": comments.pinned.get(str(node.item.uid), []),
            }
        )
    can_edit = policy.can(request.user, "edit", section)
    previous = None
    if can_edit and not outline.items:
        previous = services.previous_section(section)
    return {
        "section": section,
        "outline": outline,
        "preview_items": rendered,
        "nodes": nodes,
        "can_edit": can_edit,
        "kind_choices": selectors_content.kind_choices(),
        "focus": focus,
        "previous": previous,
        "max_depth": 6,
        "return_comments": comments,
        "can_resolve": can_edit and comments.event is not None,
        "comment_next": reverse("section-editor", args=[section.pk]),
    }


def _render_editor(
    request: HttpRequest, section: Section, *, status: int = 200, layout: str = "", **kwargs
) -> HttpResponse:
    context = _editor_context(request, section, **kwargs)
    context["layout"] = layout or _editor_layout(request)
    context["layouts"] = EDITOR_LAYOUTS
    context["others"] = presence.presence_touch(
        section=section, user=request.user, editing=context["can_edit"]
    )
    return render(request, "staff/sections/editor.html", context, status=status)


def _render_tree(
    request: HttpRequest, section: Section, *, status: int = 200, **kwargs
) -> HttpResponse:
    context = _editor_context(request, section, **kwargs)
    return render(request, "staff/sections/_tree.html", context, status=status)


@login_required
@require_GET
def section_editor(request: HttpRequest, pk: int) -> HttpResponse:
    section = _section_or_404(request, pk)
    return _render_editor(request, section, layout=_editor_layout(request))


# How the editor shares the screen with its preview; the choice is remembered per session.
EDITOR_LAYOUTS = {"side": "横に並べる", "stacked": "下に並べる", "hidden": "隠す"}


def _editor_layout(request: HttpRequest) -> str:
    chosen = request.GET.get("layout", "")
    if chosen in EDITOR_LAYOUTS:
        request.session["editor_layout"] = chosen
        return chosen
    stored = request.session.get("editor_layout", "side")
    return stored if stored in EDITOR_LAYOUTS else "side"


@login_required
@require_GET
def report_sections(request: HttpRequest, fiscal_year: int) -> HttpResponse:
    report = AnnualReport.objects.filter(fiscal_year=fiscal_year).first()
    if report is None or not policy.can(request.user, "view", report):
        raise Http404("見つかりません。")
    sections = selectors_content.report_sections(report=report, user=request.user)
    perms_for = {
        action: policy.can(request.user, action, report)
        for action in ("dashboard", "approve", "build", "export", "import")
    }
    return render(
        request,
        "staff/sections/report.html",
        {"report": report, "sections": sections, "perms_for": perms_for},
    )


@login_required
@require_GET
def section_preview(request: HttpRequest, pk: int) -> HttpResponse:
    section = _section_or_404(request, pk, "preview")
    outline = selectors_content.section_outline(section=section)
    context = {
        "section": section,
        "department_name": section.department_name,
        "items": render_tree(outline.content()),
    }
    if _is_htmx(request) or request.GET.get("fragment"):
        return render(request, "staff/sections/_preview.html", context)
    return render(request, "staff/sections/preview.html", context)


@login_required
@require_POST
def section_presence(request: HttpRequest, pk: int) -> HttpResponse:
    section = _section_or_404(request, pk)
    others = presence.presence_touch(
        section=section,
        user=request.user,
        editing=policy.can(request.user, "edit", section),
    )
    return render(request, "staff/sections/_presence.html", {"section": section, "others": others})


# -- items -----------------------------------------------------------------------------------


def _item_or_404(request: HttpRequest, pk: int) -> tuple[Item, Section]:
    item = Item.objects.filter(pk=pk).first()
    if item is None:
        raise Http404("見つかりません。")
    section = _section_or_404(request, item.section_id)
    return item, section


def _tree_or_redirect(
    request: HttpRequest,
    section: Section,
    *,
    anchor: str = "",
    focus: str = "",
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    if _is_htmx(request):
        response = _render_tree(request, section, focus=focus, status=status)
        if error:
            response["HX-Trigger"] = "section-error"
            response.content = (
                render(request, "staff/sections/_flash.html", {"error": error}).content
                + response.content
            )
        elif status == 200:
            _changed(response, section)
        return response
    if error:
        messages.error(request, error)
    return HttpResponseRedirect(_editor_url(section, anchor))


@login_required
@require_POST
def item_create(request: HttpRequest, pk: int) -> HttpResponse:
    section = _section_or_404(request, pk)
    if refused := _check(request, "edit", section):
        return refused
    parent = None
    parent_id = request.POST.get("parent")
    if parent_id:
        parent = Item.objects.filter(pk=parent_id, section=section).first()
        if parent is None:
            return _tree_or_redirect(
                request,
                section,
                error="追加先の項目が見つかりません。画面を更新してください。",
                status=409,
            )
    after = request.POST.get("after")
    position = None
    if after:
        sibling = Item.objects.filter(pk=after, section=section).first()
        if sibling is not None:
            parent = sibling.parent
            position = sibling.position + 1
    try:
        item = services.item_create(
            section=section,
            user=request.user,
            heading=request.POST.get("heading", ""),
            parent=parent,
            position=position,
        )
    except ApplicationError as exc:
        return _tree_or_redirect(request, section, error=exc.message, status=exc.status)
    return _tree_or_redirect(request, section, anchor=f"item-{item.pk}", focus=f"heading-{item.pk}")


@login_required
@require_POST
def item_update(request: HttpRequest, pk: int) -> HttpResponse:
    item, section = _item_or_404(request, pk)
    if refused := _check(request, "edit", section):
        return refused
    heading = request.POST.get("heading", "")
    override: dict[str, Any] = {}
    status = 200
    try:
        item = services.item_update(
            item=item, user=request.user, heading=heading, expected_version=_version(request)
        )
        override = {"message": "保存しました。"}
    except StaleVersion as exc:
        current = Item.objects.filter(pk=item.pk).first()
        override = {
            "value": heading,
            "error": exc.message,
            "current": current.heading if current else "",
            "version": current.version if current else None,
        }
        status = 409
    except ApplicationError as exc:
        override = {"value": heading, "error": exc.message}
        status = exc.status
    if _is_htmx(request):
        outline = selectors_content.section_outline(section=section)
        node = next((n for n in outline.items if n.item.pk == item.pk), None)
        if node is None:
            return _tree_or_redirect(request, section, error=override.get("error", ""), status=409)
        response = render(
            request,
            "staff/sections/_item_head.html",
            {"node": node, "heading": override, "section": section, "can_edit": True},
            status=status,
        )
        return _changed(response, section) if status == 200 else response
    if status == 200:
        messages.success(request, "見出しを保存しました。")
        return HttpResponseRedirect(_editor_url(section, f"item-{item.pk}"))
    return _render_editor(request, section, status=status, item_overrides={item.pk: override})


@login_required
@require_POST
def item_add(request: HttpRequest, pk: int) -> HttpResponse:
    """The one "add" form under each item: a block of the chosen kind, a sub-item, or an
    item after it."""
    item, section = _item_or_404(request, pk)
    if refused := _check(request, "edit", section):
        return refused
    what = request.POST.get("add", "block")
    try:
        if what == "block":
            block = services.block_create(
                item=item, user=request.user, kind=request.POST.get("kind", "")
            )
            if _is_htmx(request):
                return _changed(
                    _render_tree(
                        request,
                        section,
                        focus=f"block-{block.pk}-status",
                        block_overrides={block.pk: _editor_block(block)},
                    ),
                    section,
                )
            return HttpResponseRedirect(reverse("block-edit", args=[block.pk]))
        if what == "child":
            new = services.item_create(section=section, user=request.user, parent=item)
        else:
            new = services.item_create(
                section=section, user=request.user, parent=item.parent, position=item.position + 1
            )
    except ApplicationError as exc:
        return _tree_or_redirect(request, section, error=exc.message, status=exc.status)
    return _tree_or_redirect(request, section, anchor=f"item-{new.pk}", focus=f"heading-{new.pk}")


ITEM_OPS = {"up", "down", "indent", "outdent", "delete"}


@login_required
@require_POST
def item_action(request: HttpRequest, pk: int) -> HttpResponse:
    item, section = _item_or_404(request, pk)
    if refused := _check(request, "edit", section):
        return refused
    op = request.POST.get("op", "")
    if op not in ITEM_OPS:
        return _tree_or_redirect(request, section, error="操作が正しくありません。", status=400)
    focus = f"item-{item.pk}-{op}"
    try:
        if op in {"up", "down"}:
            services.item_shift(item=item, user=request.user, direction=op)
        elif op == "indent":
            services.item_indent(item=item, user=request.user)
        elif op == "outdent":
            services.item_outdent(item=item, user=request.user)
        else:
            services.item_delete(item=item, user=request.user, expected_version=_version(request))
            focus = ""
    except ApplicationError as exc:
        return _tree_or_redirect(request, section, error=exc.message, status=exc.status)
    return _tree_or_redirect(request, section, anchor=f"item-{item.pk}", focus=focus)


# -- blocks ----------------------------------------------------------------------------------


def _block_or_404(request: HttpRequest, pk: int) -> tuple[Block, Section]:
    block = Block.objects.select_related("item", "updated_by").filter(pk=pk).first()
    if block is None:
        raise Http404("見つかりません。")
    section = _section_or_404(request, block.item.section_id)
    return block, section


@login_required
@require_POST
def block_create(request: HttpRequest, pk: int) -> HttpResponse:
    item, section = _item_or_404(request, pk)
    if refused := _check(request, "edit", section):
        return refused
    kind = request.POST.get("kind", "")
    try:
        block = services.block_create(item=item, user=request.user, kind=kind)
    except ApplicationError as exc:
        return _tree_or_redirect(request, section, error=exc.message, status=exc.status)
    if _is_htmx(request):
        response = _render_tree(
            request,
            section,
            focus=f"block-{block.pk}-status",
            block_overrides={block.pk: _editor_block(block)},
        )
        return _changed(response, section)
    return HttpResponseRedirect(reverse("block-edit", args=[block.pk]))


BLOCK_OPS = {"up", "down", "delete"}


@login_required
@require_POST
def block_action(request: HttpRequest, pk: int) -> HttpResponse:
    block, section = _block_or_404(request, pk)
    if refused := _check(request, "edit", section):
        return refused
    op = request.POST.get("op", "")
    if op not in BLOCK_OPS:
        return _tree_or_redirect(request, section, error="操作が正しくありません。", status=400)
    try:
        if op == "delete":
            services.block_delete(
                block=block, user=request.user, expected_version=_version(request)
            )
        else:
            services.block_shift(block=block, user=request.user, direction=op)
    except ApplicationError as exc:
        return _tree_or_redirect(request, section, error=exc.message, status=exc.status)
    focus = "" if op == "delete" else f"block-{block.pk}-{op}"
    return _tree_or_redirect(request, section, anchor=f"item-{block.item_id}", focus=focus)


def _block_response(
    request: HttpRequest,
    section: Section,
    eb: EditorBlock,
    *,
    status: int = 200,
    saved: bool = False,
) -> HttpResponse:
    if _is_htmx(request):
        response = render(
            request,
            "staff/sections/_block.html",
            {"eb": eb, "section": section, "can_edit": True},
            status=status,
        )
        # A stale save also refreshes the preview: it shows what is stored now.
        return _changed(response, section) if saved or status == 409 else response
    if saved:
        messages.success(request, eb.message or "保存しました。")
        return HttpResponseRedirect(_editor_url(section, f"block-{eb.pk}"))
    return _render_editor(request, section, status=status, block_overrides={eb.pk: eb})


def _item_depth(item: Item) -> int:
    depth, parent_id = 1, item.parent_id
    while parent_id is not None and depth < 10:
        parent_id = Item.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()
        depth += 1
    return depth


@login_required
@require_GET
def block_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a block's form (htmx: just the block; without JS: the editor page with it open)."""
    block, section = _block_or_404(request, pk)
    if refused := _check(request, "edit", section):
        return refused
    eb = _editor_block(block)
    if _is_htmx(request):
        return render(
            request, "staff/sections/_block.html", {"eb": eb, "section": section, "can_edit": True}
        )
    return _render_editor(request, section, block_overrides={block.pk: eb})


@login_required
@require_GET
def block_closed(request: HttpRequest, pk: int) -> HttpResponse:
    """Close a block's form without saving: the block as printed."""
    block, section = _block_or_404(request, pk)
    if not _is_htmx(request):
        return HttpResponseRedirect(_editor_url(section, f"block-{block.pk}"))
    preview = selectors_content.block_preview(
        block, fiscal_year=section.report.fiscal_year, depth=_item_depth(block.item)
    )
    eb = _closed_block(block, preview)
    return render(
        request,
        "staff/sections/_block.html",
        {"eb": eb, "section": section, "can_edit": policy.can(request.user, "edit", section)},
    )


@login_required
@require_POST
def block_update(request: HttpRequest, pk: int) -> HttpResponse:
    block, section = _block_or_404(request, pk)
    if refused := _check(request, "edit", section):
        return refused
    editor = forms.editor_for(block.kind)
    state = editor.from_post(request.POST, block.data)
    state[forms.CHART_STATE] = request.POST.get("chart", block.data.get("chart") or "")
    op, arg = forms.parse_op(request.POST.get("op"))
    version = _version(request)
    if op == "paste":
        try:
            state = editor.paste(
                state,
                forms._int(request.POST.get("paste_row"), 1, 1, forms.MAX_FORM_ROWS) - 1,
                forms._int(request.POST.get("paste_col"), 1, 1, 40) - 1,
            )
        except InvalidInput as exc:
            errors, listed = _errors_for(block, state, exc)
            eb = _editor_block(
                block, state, errors=errors, error_list=listed, message=exc.message, dirty=True
            )
            eb.version = version or block.version
            return _block_response(request, section, eb, status=400)
        eb = _editor_block(
            block,
            state,
            dirty=True,
            notice="貼り付けました。内容を確かめて「保存」を押してください（まだ保存していません）。",
        )
        eb.version = version or block.version
        return _block_response(request, section, eb)
    if op != "save":
        state = editor.apply(state, op, arg)
        eb = _editor_block(
            block, state, dirty=True, notice="まだ保存していません。「保存」を押すと反映されます。"
        )
        eb.version = version or block.version
        return _block_response(request, section, eb)
    try:
        saved = services.block_update(
            block=block,
            user=request.user,
            data=forms.with_chart_choice(
                blocks.kinds().get(block.kind), editor.to_data(state, block.data), state
            ),
            expected_version=version,
        )
    except InvalidInput as exc:
        errors, listed = _errors_for(block, state, exc)
        eb = _editor_block(
            block, state, errors=errors, error_list=listed, message=exc.message, dirty=True
        )
        eb.version = version or block.version
        return _block_response(request, section, eb, status=400)
    except StaleVersion as exc:
        current = Block.objects.select_related("item", "updated_by").filter(pk=block.pk).first()
        if current is None:
            return _tree_or_redirect(request, section, error=exc.message, status=409)
        depth = 1
        eb = _editor_block(
            current,
            state,
            message=exc.message,
            dirty=True,
            conflict={
                "preview": selectors_content.block_preview(
                    current, fiscal_year=section.report.fiscal_year, depth=depth
                ),
                "updated_by": str(current.updated_by or ""),
            },
        )
        # The form now carries the stored version: saving again overwrites on purpose.
        eb.version = current.version
        return _block_response(request, section, eb, status=409)
    except Conflict as exc:
        eb = _editor_block(block, state, message=exc.message, dirty=True)
        eb.version = version or block.version
        return _block_response(request, section, eb, status=409)
    except ApplicationError as exc:
        eb = _editor_block(block, state, message=exc.message, dirty=True)
        return _block_response(request, section, eb, status=exc.status)
    saved.item = block.item
    eb = _editor_block(saved, message="保存しました。")
    return _block_response(request, section, eb, saved=True)


@login_required
@require_GET
def block_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    block, section = _block_or_404(request, pk)
    kind = blocks.get(block.kind)
    b = {"kind": block.kind, "data": block.data}
    resolve_blocks([b], fiscal_year=section.report.fiscal_year)
    views = kind.tables(block.data, b.get("resolved"))
    caption = block.data.get("caption") if isinstance(block.data, dict) else ""
    payload = spreadsheets.tables_to_xlsx(views, title=caption or kind.label)
    name = f"{section.report.fiscal_year}-{section.department.code}-{caption or kind.label}.xlsx"
    response = HttpResponse(
        payload,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@login_required
@require_POST
def block_xlsx_upload(request: HttpRequest, pk: int) -> HttpResponse:
    block, section = _block_or_404(request, pk)
    if refused := _check(request, "edit", section):
        return refused
    editor = forms.editor_for(block.kind)
    upload = request.FILES.get("file")
    mode = request.POST.get("mode", "replace")
    try:
        kind = blocks.kinds().get(block.kind)
        if kind is None or not kind.accepts_rows:
            raise InvalidInput("Excel から読み込めるのは表のブロックだけです。")
        if upload is None:
            raise InvalidInput(
                "ファイルを選んでください。", details={"file": "ファイルが選ばれていません。"}
            )
        name = (upload.name or "").lower()
        if not name.endswith((".xlsx", ".xlsm")):
            raise InvalidInput(
                f"「{upload.name}」は .xlsx ファイルではありません。Excel ブック（.xlsx）を選んでください。",
                details={"file": ".xlsx を選んでください。"},
            )
        rows = spreadsheets.read_xlsx(upload, size=upload.size)
        saved = services.table_rows_import(
            block=block,
            user=request.user,
            rows=rows,
            mode="append" if mode == "append" else "replace",
            expected_version=_version(request),
            source=upload.name,
        )
    except InvalidInput as exc:
        state = editor.initial(block.data)
        listed = [
            (editor.place(p, state) if p.startswith("/") else "ファイル", m)
            for p, m in (exc.details or {}).items()
        ]
        eb = _editor_block(block, state, error_list=listed, message=exc.message)
        return _block_response(request, section, eb, status=400)
    except ApplicationError as exc:
        eb = _editor_block(block, message=exc.message)
        return _block_response(request, section, eb, status=exc.status)
    saved.item = block.item
    eb = _editor_block(
        saved, message=f"「{upload.name}」から{len(saved.data['rows'])}行を読み込んで保存しました。"
    )
    return _block_response(request, section, eb, saved=True)


# -- start from last year --------------------------------------------------------------------


@login_required
def section_start_from_previous(request: HttpRequest, pk: int) -> HttpResponse:
    section = _section_or_404(request, pk)
    if refused := _check(request, "edit", section):
        return refused
    previous = services.previous_section(section)
    if previous is None or not policy.can(request.user, "view", previous):
        raise Http404("前年度の報告が見つかりません。")
    outline = selectors_content.section_outline(section=previous)
    if request.method == "POST":
        keep = {
            str(b.uid): True
            for node in outline.items
            for b in node.blocks
            if request.POST.get(f"keep-{b.uid}")
        }
        try:
            services.section_start_from_previous(
                section=section, user=request.user, keep_numbers=keep
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(_editor_url(section))
        messages.success(
            request,
            f"{wareki.format_fiscal_year(previous.report.fiscal_year)}の内容から作成しました。",
        )
        return HttpResponseRedirect(_editor_url(section))
    rows = []
    registry = blocks.kinds()
    for node in outline.items:
        for b in node.blocks:
            kind = registry.get(b.kind)
            has_numbers = kind is not None and kind.clear_numbers(b.data) != b.data
            rows.append(
                {
                    "node": node,
                    "block": b,
                    "label": kind.label if kind else b.kind,
                    "has_numbers": has_numbers,
                }
            )
    return render(
        request,
        "staff/sections/start_from_previous.html",
        {"section": section, "previous": previous, "rows": rows},
    )


# -- history ---------------------------------------------------------------------------------


@login_required
@require_GET
def section_history(request: HttpRequest, pk: int) -> HttpResponse:
    section = _section_or_404(request, pk, "history")
    page = Paginator(selectors_content.revision_list(section=section), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "staff/history/list.html",
        {
            "section": section,
            "page": page,
            "can_restore": policy.can(request.user, "restore", section),
        },
    )


def content_lines(content: dict) -> list[str]:
    """A section's content as readable lines (numbered headings, text, table rows) for diffs."""
    lines: list[str] = []
    try:
        rendered = render_tree({"items": content.get("items", [])})
    except Exception:  # an old revision with a kind no longer registered
        rendered = []
    from reports.tree import flatten

    for item in flatten(rendered):
        indent = "　" * (item.depth - 1)
        lines.append(f"{indent}{item.number} {item.heading}".rstrip())
        for block in item.blocks:
            lines.extend(f"{indent}　{line}" for line in _block_lines(block.kind, block.view))
    return lines


def _block_lines(kind: str, view: dict) -> list[str]:
    data = view.get("data", {})
    handler = blocks.kinds().get(kind)
    if handler is not None and (lines := handler.history_lines(view)) is not None:
        return lines
    out = []
    if handler is not None:
        try:
            tables = handler.tables(data, view.get("resolved"))
        except Exception:
            tables = []
        for table in tables:
            if table.caption:
                out.append(f"［表］{table.caption}")
            out.append(" | ".join(table.header_labels()))
            for row in table.rows:
                out.append(" | ".join(c.display.replace("\n", " ") for c in row.cells))
    return out


def diff_rows(before: list[str], after: list[str]) -> list[dict]:
    """Side-by-side diff rows: equal lines folded to three of context around each change."""
    out: list[dict] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            span = before[i1:i2]
            if len(span) > 6:
                out.extend({"kind": "same", "text": t} for t in span[:3])
                out.append({"kind": "skip", "text": f"（変更のない{len(span) - 6}行）"})
                out.extend({"kind": "same", "text": t} for t in span[-3:])
            else:
                out.extend({"kind": "same", "text": t} for t in span)
            continue
        out.extend({"kind": "removed", "text": t} for t in before[i1:i2])
        out.extend({"kind": "added", "text": t} for t in after[j1:j2])
    return out


@login_required
@require_GET
def section_revision(request: HttpRequest, pk: int, revision_id: int) -> HttpResponse:
    section = _section_or_404(request, pk, "history")
    try:
        revision, before = selectors_content.revision_pair(section=section, revision_id=revision_id)
    except NotFound:
        raise Http404("見つかりません。") from None
    rows = diff_rows(
        content_lines(before.content) if before else [], content_lines(revision.content)
    )
    return render(
        request,
        "staff/history/revision.html",
        {
            "section": section,
            "revision": revision,
            "before": before,
            "rows": rows,
            "changes": sum(1 for r in rows if r["kind"] in {"added", "removed"}),
            "can_restore": policy.can(request.user, "restore", section),
        },
    )


@login_required
@require_POST
def section_restore(request: HttpRequest, pk: int, revision_id: int) -> HttpResponse:
    section = _section_or_404(request, pk)
    if refused := _check(request, "restore", section):
        return refused
    revision = get_object_or_404(SectionRevision, pk=revision_id, section=section)
    try:
        services.section_restore(
            section=section,
            revision=revision,
            user=request.user,
            expected_version=_version(request),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("section-revision", args=[section.pk, revision.pk]))
    messages.success(
        request,
        f"第{revision.content_version}版（{_when(revision.created_at)}）の内容に戻しました。"
        "戻したことも履歴に記録しました。",
    )
    return HttpResponseRedirect(_editor_url(section))


def _when(moment: dt.datetime) -> str:
    return services._when(moment)
