"""The tagged PDF's structure across merged parts (PDF/UA-1, JIS X 8341-3).

WeasyPrint tags each part it lays out (pdf_variant "pdf/ua-1"): a structure tree of the HTML
(H2…H6, P, L/LI, Table/TR/TH/TD, Figure with its alternative text) whose marked content is keyed
by each page's /StructParents. pypdf copies pages but not structure, so after the parts are
appended, `merge_structure` grafts each part's tree under one Document element, renumbers the
parent-tree keys so they stay unique, and gives every header cell its /Scope. Page furniture
(running header, page number, draft mark) is stamped from an overlay wrapped as /Artifact by
`wrap_artifact`, so a screen reader skips it.

`structure_report` reads a PDF back (for the tests and for checking a build by hand).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    TextStringObject,
)


def merge_structure(writer: PdfWriter, parts: list[tuple[PdfReader, int]]) -> None:
    """Graft the structure of each (reader, index of its first page in `writer`) into `writer`.

    Call after every part was appended. Parts without structure (untagged) are skipped.
    """
    root = DictionaryObject({NameObject("/Type"): NameObject("/StructTreeRoot")})
    root_ref = writer._add_object(root)
    document = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/StructElem"),
            NameObject("/S"): NameObject("/Document"),
            NameObject("/P"): root_ref,
            NameObject("/K"): ArrayObject(),
        }
    )
    document_ref = writer._add_object(document)
    root[NameObject("/K")] = ArrayObject([document_ref])
    nums = ArrayObject()
    next_key = 0
    ids: dict[str, IndirectObject] = {}
    for part_number, (reader, first_page) in enumerate(parts):
        source = reader.trailer["/Root"].get("/StructTreeRoot")
        if source is None:
            continue
        source = source.get_object()
        source_doc_ref = source["/K"][0]
        source_nums = source["/ParentTree"].get_object()["/Nums"]
        _fold_text_spans(source_doc_ref, source_nums)
        # References to the part's Document element become references to the merged one.
        table = writer._id_translated.setdefault(id(reader), {"PreventGC": reader})
        table[source_doc_ref.idnum] = document_ref.idnum
        kids = [
            kid.clone(writer) if isinstance(kid, IndirectObject) else kid
            for kid in source_doc_ref.get_object()["/K"]
        ]
        _number_part(kids, f"p{part_number}", ids)
        document["/K"].extend(kids)
        offset = next_key
        for index in range(0, len(source_nums), 2):
            key = int(source_nums[index]) + offset
            value = source_nums[index + 1]
            nums.append(NumberObject(key))
            nums.append(value.clone(writer))
            next_key = max(next_key, key + 1)
        for number, source_page in enumerate(reader.pages):
            page = writer.pages[first_page + number]
            # pypdf leaves /StructParents out when it copies a page.
            if "/StructParents" in source_page:
                page[NameObject("/StructParents")] = NumberObject(
                    int(source_page["/StructParents"]) + offset
                )
            for annotation in page.get("/Annots") or []:
                annotation = annotation.get_object()
                if "/StructParent" in annotation:
                    annotation[NameObject("/StructParent")] = NumberObject(
                        int(annotation["/StructParent"]) + offset
                    )
    parent_tree = DictionaryObject({NameObject("/Nums"): nums})
    root[NameObject("/ParentTree")] = writer._add_object(parent_tree)
    root[NameObject("/ParentTreeNextKey")] = NumberObject(next_key)
    _add_header_scopes(document)
    if ids:
        names = ArrayObject()
        for key in sorted(ids):
            names.extend([TextStringObject(key), ids[key]])
        root[NameObject("/IDTree")] = writer._add_object(
            DictionaryObject({NameObject("/Names"): names})
        )
    writer._root_object[NameObject("/StructTreeRoot")] = root_ref
    writer._root_object[NameObject("/MarkInfo")] = DictionaryObject(
        {NameObject("/Marked"): _true()}
    )
    preferences = DictionaryObject({NameObject("/DisplayDocTitle"): _true()})
    writer._root_object[NameObject("/ViewerPreferences")] = preferences


_SPAN_KEYS = {"/Type", "/S", "/K", "/Pg", "/P"}


def _fold_text_spans(document_ref: IndirectObject, nums: ArrayObject) -> None:
    """Put each run of text's marked content straight into its element (P, TD, H3 …).

    WeasyPrint wraps every run of text in a Span element of its own; a screen reader gains
    nothing from those, and they are half the objects of the tree (size and merge time). An
    element's kids become its MCIDs (or marked-content references when on another page) and the
    parent tree points at the element. Spans of HTML <span> elements are kept.
    """
    folded: dict[int, IndirectObject] = {}
    stack = [document_ref]
    while stack:
        ref = stack.pop()
        element = ref.get_object()
        kids = element.get("/K")
        if not isinstance(kids, ArrayObject):
            continue
        page = element.get("/Pg")
        kept = ArrayObject()
        for kid in kids:
            child = kid.get_object() if isinstance(kid, IndirectObject) else None
            if (
                isinstance(child, DictionaryObject)
                and child.get("/S") == "/Span"
                and set(child.keys()) <= _SPAN_KEYS
                and isinstance(child.get("/K"), ArrayObject)
                and all(isinstance(k, int) for k in child["/K"])
            ):
                child_page = child.get("/Pg")
                same_page = (
                    isinstance(page, IndirectObject)
                    and isinstance(child_page, IndirectObject)
                    and page.idnum == child_page.idnum
                )
                for mcid in child["/K"]:
                    if same_page:
                        kept.append(NumberObject(mcid))
                    else:
                        kept.append(
                            DictionaryObject(
                                {
                                    NameObject("/Type"): NameObject("/MCR"),
                                    NameObject("/Pg"): child_page,
                                    NameObject("/MCID"): NumberObject(mcid),
                                }
                            )
                        )
                folded[kid.idnum] = ref
                continue
            if isinstance(kid, IndirectObject) and isinstance(child, DictionaryObject):
                stack.append(kid)
            kept.append(kid)
        element[NameObject("/K")] = kept
    for index in range(1, len(nums), 2):
        mapped = nums[index].get_object()
        if isinstance(mapped, ArrayObject):
            for position, value in enumerate(mapped):
                if isinstance(value, IndirectObject) and value.idnum in folded:
                    mapped[position] = folded[value.idnum]


def _true():
    from pypdf.generic import BooleanObject

    return BooleanObject(True)


def _children(element: DictionaryObject) -> list[DictionaryObject]:
    kids = element.get("/K")
    if kids is None:
        return []
    if not isinstance(kids, ArrayObject):
        kids = [kids]
    out = []
    for kid in kids:
        kid = kid.get_object()
        if isinstance(kid, DictionaryObject) and kid.get("/Type", "/StructElem") == "/StructElem":
            if "/S" in kid:
                out.append(kid)
    return out


def _walk(element: DictionaryObject):
    yield element
    for child in _children(element):
        yield from _walk(child)


def _number_part(kids: list, prefix: str, ids: dict[str, IndirectObject]) -> None:
    """Make the part's header-cell IDs unique in the merged document; collect them for /IDTree.

    WeasyPrint names header cells "<table object number>-<row>-<column>", and object numbers of
    different parts collide.
    """
    for kid in kids:
        for ref, element in _walk_with_refs(kid):
            if "/ID" in element:
                new_id = f"{prefix}-{element['/ID']}"
                element[NameObject("/ID")] = TextStringObject(new_id)
                if ref is not None:
                    ids[new_id] = ref
            attributes = element.get("/A")
            if attributes is not None and element.get("/S") == "/TD":
                attributes = attributes.get_object()
                if "/Headers" in attributes:
                    attributes[NameObject("/Headers")] = ArrayObject(
                        TextStringObject(f"{prefix}-{h}") for h in attributes["/Headers"]
                    )


def _walk_with_refs(ref_or_element):
    element = ref_or_element.get_object()
    ref = ref_or_element if isinstance(ref_or_element, IndirectObject) else None
    if not isinstance(element, DictionaryObject) or "/S" not in element:
        return
    yield ref, element
    kids = element.get("/K")
    if kids is None:
        return
    for kid in kids if isinstance(kids, ArrayObject) else [kids]:
        yield from _walk_with_refs(kid)


def _add_header_scopes(document: DictionaryObject) -> None:
    """/Scope for every TH: Row when a data cell of its own row names it, else Column.

    WeasyPrint links data cells to their headers (/Headers, /ID "…-<row>-<column>") but leaves
    out /Scope, which assistive technology reads first.
    """
    for table in (e for e in _walk(document) if e.get("/S") == "/Table"):
        row_headers: set[str] = set()
        rows = [e for e in _walk(table) if e.get("/S") == "/TR"]
        for index, row in enumerate(rows):
            for cell in _children(row):
                attributes = cell.get("/A")
                if cell.get("/S") != "/TD" or attributes is None:
                    continue
                for header in attributes.get_object().get("/Headers", []):
                    if str(header).rsplit("-", 2)[-2:-1] == [str(index)]:
                        row_headers.add(str(header))
        for cell in (e for e in _walk(table) if e.get("/S") == "/TH"):
            attributes = cell.get("/A")
            if attributes is None:
                attributes = DictionaryObject({NameObject("/O"): NameObject("/Table")})
                cell[NameObject("/A")] = attributes
            attributes = attributes.get_object()
            scope = "/Row" if str(cell.get("/ID", "")) in row_headers else "/Column"
            attributes[NameObject("/Scope")] = NameObject(scope)


def wrap_artifact(page_content: bytes, subtype: str = "/Header") -> bytes:
    """The page furniture's content as one pagination artifact."""
    return (
        f"/Artifact <</Type /Pagination /Subtype {subtype}>> BDC\n".encode()
        + page_content
        + b"\nEMC\n"
    )


# -- reading a PDF's structure back --------------------------------------------------------


def structure_report(data: bytes) -> dict[str, Any]:
    """What a screen reader would get: tags, headings, tables, lists, figures, artifacts."""
    import io

    from pypdf.generic import ContentStream

    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    info = reader.metadata or {}
    tree = root.get("/StructTreeRoot")
    report: dict[str, Any] = {
        "lang": str(root.get("/Lang", "")),
        "title": str(info.get("/Title", "")),
        "display_doc_title": bool(
            root.get("/ViewerPreferences", {}).get("/DisplayDocTitle", False)
        ),
        "marked": bool(root.get("/MarkInfo", {}).get("/Marked", False)),
        "xmp": b"",
        "tags": Counter(),
        "headings": [],
        "figures": [],
        "th_scopes": Counter(),
        "td_with_headers": 0,
        "td_total": 0,
        "lists": 0,
        "list_items": 0,
        "untagged_text_ops": 0,
        "artifact_text_ops": 0,
        "tagged_text_ops": 0,
        "orphan_mcids": 0,
        "outline": [],
    }
    if "/Metadata" in root:
        report["xmp"] = root["/Metadata"].get_object().get_data()
    reachable: set[int] = set()
    if tree is not None:
        tree = tree.get_object()
        for top in tree["/K"] if isinstance(tree["/K"], ArrayObject) else [tree["/K"]]:
            top_ref = top if isinstance(top, IndirectObject) else None
            top = top.get_object()
            if top_ref is not None:
                reachable.add(top_ref.idnum)
            for element in _walk_refs(top, reachable):
                tag = str(element["/S"])
                report["tags"][tag] += 1
                if tag in ("/H1", "/H2", "/H3", "/H4", "/H5", "/H6"):
                    report["headings"].append((int(tag[2]), _page_index(reader, element)))
                elif tag == "/Figure":
                    report["figures"].append(str(element.get("/Alt", "")))
                elif tag == "/TH":
                    attributes = element.get("/A")
                    scope = attributes.get_object().get("/Scope") if attributes else None
                    report["th_scopes"][str(scope)] += 1
                elif tag == "/TD" and element.get("/K"):  # empty corner cells name nothing
                    report["td_total"] += 1
                    attributes = element.get("/A")
                    if attributes and attributes.get_object().get("/Headers"):
                        report["td_with_headers"] += 1
                elif tag == "/L":
                    report["lists"] += 1
                elif tag == "/LI":
                    report["list_items"] += 1
        parent_tree = tree["/ParentTree"].get_object()["/Nums"]
        keyed = {int(parent_tree[i]): parent_tree[i + 1] for i in range(0, len(parent_tree), 2)}
    else:
        keyed = {}
    for page in reader.pages:
        mapped = keyed.get(int(page.get("/StructParents", -1)))
        mapped = mapped.get_object() if mapped is not None else ArrayObject()
        raw = page.get_contents()
        operations = ContentStream(raw, reader).operations if raw is not None else []
        stack: list[str] = []
        for operands, operator in operations:
            if operator == b"BDC":
                properties = operands[1]
                if isinstance(properties, DictionaryObject) and "/MCID" in properties:
                    mcid = int(properties["/MCID"])
                    element = mapped[mcid] if mcid < len(mapped) else None
                    if element is None or not isinstance(element, IndirectObject):
                        report["orphan_mcids"] += 1
                    elif element.idnum not in reachable:
                        report["orphan_mcids"] += 1
                    stack.append("mcid")
                else:
                    stack.append("artifact" if operands[0] == "/Artifact" else "other")
            elif operator == b"BMC":
                stack.append("artifact" if operands[0] == "/Artifact" else "other")
            elif operator == b"EMC":
                if stack:
                    stack.pop()
            elif operator in (b"Tj", b"TJ", b"'", b'"'):
                if "artifact" in stack:
                    report["artifact_text_ops"] += 1
                elif "mcid" in stack:
                    report["tagged_text_ops"] += 1
                else:
                    report["untagged_text_ops"] += 1
    report["outline"] = _outline(reader, reader.outline)
    return report


def _walk_refs(element: DictionaryObject, reachable: set[int]):
    yield element
    kids = element.get("/K")
    if kids is None:
        return
    if not isinstance(kids, ArrayObject):
        kids = [kids]
    for kid in kids:
        if isinstance(kid, IndirectObject):
            reachable.add(kid.idnum)
        obj = kid.get_object()
        if isinstance(obj, DictionaryObject) and "/S" in obj:
            yield from _walk_refs(obj, reachable)


def _page_index(reader: PdfReader, element: DictionaryObject) -> int | None:
    page = element.get("/Pg")
    if page is None:
        for child in _children(element):
            found = _page_index(reader, child)
            if found is not None:
                return found
        return None
    return reader.get_page_number(page.get_object())


def _outline(reader: PdfReader, items, depth: int = 0) -> list[tuple[int, str, int | None]]:
    out: list[tuple[int, str, int | None]] = []
    for item in items:
        if isinstance(item, list):
            out.extend(_outline(reader, item, depth + 1))
        else:
            try:
                page = reader.get_destination_page_number(item)
            except Exception:
                page = None
            out.append((depth, str(item.title), page))
    return out
