"""The printed report: A4 PDF per department with WeasyPrint, merged in order with pypdf.

Department PDFs are rendered independently (in parallel, one Celery subtask each) without page
numbers. When all are done, the front matter (cover and table of contents with page numbers) is
rendered, the parts are merged in order, and page numbers continuing across departments
("- 28 -") are stamped onto the body pages from a one-pass overlay. So each department is laid
out exactly once, whatever the number of workers.

A Japanese font must be embedded: the build fails with a clear message when none is installed
(fonts-noto-cjk or fonts-ipaexfont) or when the written PDF does not embed one.
"""

from __future__ import annotations

import functools
import io
import logging
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from akiruno.exceptions import ApplicationError

# WeasyPrint logs every page it lays out at INFO; a build of hundreds of pages needs none of it.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# Families tried in order; override with settings.PDF_FONT_FAMILIES.
DEFAULT_FONT_FAMILIES = (
    "Noto Sans CJK JP",
    "Noto Serif CJK JP",
    "IPAexGothic",
    "IPAexMincho",
    "IPAexゴシック",
    "IPAex明朝",
)
# How embedded font names of those families look in a PDF (pdffonts / pypdf BaseFont).
EMBEDDED_FONT_MARKERS = ("NotoSansCJK", "Noto-Sans-CJK", "NotoSerifCJK", "Noto-Serif-CJK", "IPAex")


class FontUnavailable(ApplicationError):
    code = "font_unavailable"
    status = 500


class PdfDependencyMissing(ApplicationError):
    code = "pdf_unavailable"
    status = 500


@dataclass
class PartResult:
    pdf: bytes
    pages: int
    anchors: dict[str, int]  # element id -> index of the first page it is on (0-based)


def _weasyprint():
    try:
        import weasyprint
    except ImportError as exc:  # pragma: no cover - the lock file installs it
        raise PdfDependencyMissing(
            "PDF を作成できません：WeasyPrint が導入されていません（pip install weasyprint）。"
        ) from exc
    return weasyprint


def _pypdf():
    try:
        import pypdf
    except ImportError as exc:  # pragma: no cover
        raise PdfDependencyMissing(
            "PDF を結合できません：pypdf が導入されていません（pip install pypdf）。"
        ) from exc
    return pypdf


# -- fonts --------------------------------------------------------------------------------


def installed_font_families() -> set[str]:
    """Families fontconfig knows for Japanese text."""
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return set()
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [fc_list, ":lang=ja", "family"], capture_output=True, text=True, timeout=30, check=False
    )
    families: set[str] = set()
    for line in result.stdout.splitlines():
        families.update(name.strip() for name in line.split(",") if name.strip())
    return families


@functools.lru_cache(maxsize=1)
def _cached_family() -> str | None:
    wanted = tuple(getattr(settings, "PDF_FONT_FAMILIES", DEFAULT_FONT_FAMILIES))
    installed = installed_font_families()
    return next((family for family in wanted if family in installed), None)


def japanese_font_family() -> str:
    """The family the PDF is set in, or FontUnavailable (the build must fail, loudly)."""
    family = _cached_family()
    if family is None:
        _cached_family.cache_clear()  # installing the font later must not need a restart
        raise FontUnavailable(
            "PDF に埋め込む日本語フォントが見つかりません。Noto Sans CJK JP（Debian: "
            "apt-get install fonts-noto-cjk）または IPAex フォント（fonts-ipaexfont）を"
            "導入してから、構築をやり直してください。"
        )
    return family


def embedded_fonts(pdf: bytes) -> list[tuple[str, bool]]:
    """(BaseFont name, embedded?) of every font the PDF's pages use."""
    pypdf = _pypdf()
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    seen: dict[str, bool] = {}
    for page in reader.pages:
        resources = page.get("/Resources")
        if not resources:
            continue
        fonts = resources.get_object().get("/Font")
        if not fonts:
            continue
        for ref in fonts.get_object().values():
            font = ref.get_object()
            name = str(font.get("/BaseFont", ""))
            descriptor = None
            if "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            else:
                descriptor = font.get("/FontDescriptor")
            embedded = False
            if descriptor is not None:
                descriptor = descriptor.get_object()
                embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            seen[name] = seen.get(name, False) or embedded
    return sorted(seen.items())


def check_japanese_font_embedded(pdf: bytes) -> None:
    fonts = embedded_fonts(pdf)
    if not any(
        embedded and any(marker in name for marker in EMBEDDED_FONT_MARKERS)
        for name, embedded in fonts
    ):
        names = "、".join(name for name, _ in fonts) or "なし"
        raise FontUnavailable(
            f"作成した PDF に日本語フォントが埋め込まれていません（使用フォント: {names}）。"
            "Noto Sans CJK JP または IPAex フォントを導入してください。"
        )


# -- rendering ----------------------------------------------------------------------------


def _static_path(name: str) -> Path:
    found = finders.find(name)
    if not found:
        raise PdfDependencyMissing(f"PDF 用のスタイルシート {name} が見つかりません。")
    return Path(found)


def _url_fetcher(url: str, *args, **kwargs):
    """Fetch nothing from the network: only data: URLs and the project's static files."""
    weasyprint = _weasyprint()
    if url.startswith("data:"):
        return weasyprint.default_url_fetcher(url, *args, **kwargs)
    if url.startswith("file://"):
        path = Path(url.removeprefix("file://")).resolve()
        roots = [Path(p).resolve() for p in settings.STATICFILES_DIRS]
        if any(path.is_relative_to(root) for root in roots):
            return weasyprint.default_url_fetcher(url, *args, **kwargs)
    raise ValueError(f"PDF の作成中に外部の資源は読み込みません: {url}")


def _stylesheets() -> list:
    weasyprint = _weasyprint()
    family = japanese_font_family()
    return [
        weasyprint.CSS(filename=str(_static_path("css/pdf.css")), url_fetcher=_url_fetcher),
        # The family comes from a fixed list, never from user input.
        weasyprint.CSS(string=f'html {{ font-family: "{family}", sans-serif; }}'),
    ]


def render_html(html: str) -> PartResult:
    """Lay out one HTML document as A4 pages; report its page count and anchors."""
    weasyprint = _weasyprint()
    document = weasyprint.HTML(
        string=html, base_url=str(settings.BASE_DIR / "static"), url_fetcher=_url_fetcher
    ).render(stylesheets=_stylesheets())
    anchors: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            anchors.setdefault(anchor, index)
    pdf = document.write_pdf(**_pdf_options())
    check_japanese_font_embedded(pdf)
    return PartResult(pdf=pdf, pages=len(document.pages), anchors=anchors)


def tagged() -> bool:
    return bool(getattr(settings, "PDF_TAGS", True))


def _pdf_options() -> dict:
    return {"pdf_variant": "pdf/ua-1"} if tagged() else {}


def render_front(*, title: str, city: str, toc: list[dict], draft: bool) -> PartResult:
    html = render_to_string(
        "pdf/front.html", {"title": title, "city": city, "toc": toc, "draft": draft}
    )
    return render_html(html)


def furniture_overlay(pages: list[dict], *, draft: bool) -> bytes:
    """One blank A4 page per page of the report carrying its furniture: the running header
    (`left`: the title, `right`: the department) and the page number (`number`)."""
    weasyprint = _weasyprint()
    html = render_to_string("pdf/page_furniture.html", {"pages": pages, "draft": draft})
    return weasyprint.HTML(string=html).render(stylesheets=_stylesheets()).write_pdf()


def _stamp_artifact(page, overlay_page, reader) -> None:
    """Merge the overlay page onto `page`, its content marked as a pagination artifact."""
    from pypdf.generic import ArrayObject, ContentStream, DictionaryObject, NameObject

    content = ContentStream(overlay_page.get_contents(), reader)
    properties = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Pagination"),
            NameObject("/Subtype"): NameObject("/Header"),
        }
    )
    content.operations = [
        (ArrayObject([NameObject("/Artifact"), properties]), b"BDC"),
        *content.operations,
        (ArrayObject(), b"EMC"),
    ]
    overlay_page[NameObject("/Contents")] = content
    page.merge_page(overlay_page)


def _xmp(title: str, author: str) -> bytes:
    """XMP metadata: the title (dc:title) and the PDF/UA-1 identification."""
    from xml.sax.saxutils import escape

    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" '
        'pdfuaid:part="1"/>'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt>'
        f"</dc:title><dc:creator><rdf:Seq><rdf:li>{escape(author)}</rdf:li></rdf:Seq>"
        "</dc:creator><dc:language><rdf:Bag><rdf:li>ja</rdf:li></rdf:Bag></dc:language>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()


def merge(
    *,
    title: str,
    city: str,
    front: bytes,
    parts: list[tuple[str, bytes]],
    front_label: str = "表紙・目次",
    draft: bool = False,
) -> tuple[bytes, int]:
    """Front matter, then each department's pages in order; stamp the running header and the
    body page numbers; one structure tree for the whole (when tagged).

    Returns the PDF and its page count. Outline: one entry per department with its headings.
    """
    pypdf = _pypdf()
    from pypdf.generic import NameObject, StreamObject, TextStringObject

    from reports.services import pdf_structure

    writer = pypdf.PdfWriter()
    front_reader = pypdf.PdfReader(io.BytesIO(front))
    writer.append(front_reader, outline_item=front_label, import_outline=False)
    front_pages = len(front_reader.pages)
    readers = [(front_reader, 0)]
    # The cover carries no header; the table of contents only the title.
    furniture = [{"left": "", "right": "", "number": ""}]
    furniture += [{"left": title, "right": "", "number": ""}] * (front_pages - 1)
    for name, data in parts:
        reader = pypdf.PdfReader(io.BytesIO(data))
        readers.append((reader, len(writer.pages)))
        writer.append(reader, outline_item=name)
        for _ in reader.pages:
            number = len(furniture) - front_pages + 1
            furniture.append({"left": title, "right": name, "number": f"-\u2002{number}\u2002-"})
    overlay_reader = pypdf.PdfReader(io.BytesIO(furniture_overlay(furniture, draft=draft)))
    for index, page in enumerate(writer.pages):
        _stamp_artifact(page, overlay_reader.pages[index], overlay_reader)
    body_pages = len(writer.pages) - front_pages
    if body_pages:
        writer.set_page_label(0, front_pages - 1, style="/r", start=1)
        writer.set_page_label(front_pages, len(writer.pages) - 1, style="/D", start=1)
    if tagged():
        pdf_structure.merge_structure(writer, readers)
    writer.add_metadata({"/Title": title, "/Author": city, "/Creator": "事務報告書システム"})
    writer._root_object[NameObject("/Lang")] = TextStringObject("ja")
    metadata = StreamObject()
    metadata.set_data(_xmp(title, city))
    metadata.update(
        {NameObject("/Type"): NameObject("/Metadata"), NameObject("/Subtype"): NameObject("/XML")}
    )
    writer._root_object[NameObject("/Metadata")] = writer._add_object(metadata)
    writer.page_mode = "/UseOutlines"
    out = io.BytesIO()
    writer.write(out)
    pdf = out.getvalue()
    check_japanese_font_embedded(pdf)
    return pdf, len(writer.pages)
