"""The public report's files at static-file speed: no database query, no decoding per request.

Publication writes a small pointer per fiscal year, MEDIA_ROOT/public/<fiscal year>.json: the
published build, its folder, its publication time and its public files with checksum, size and
type. `PublicFileMiddleware` (right after WhiteNoise) answers the report's pages and downloads
from it: one `stat` of the pointer per request (the decoded pointer and every response's
headers are kept per process until the pointer changes), a conditional request answered 304,
otherwise the file streamed as it was written. Each file's checksum is checked against the
pointer the first time a process serves it and again whenever the file on disk changes (inode,
size or mtime): a published file that no longer matches its record is never served.

Anything the pointer does not cover (no pointer yet, a name that is not a published file, the
editions list, search) falls through to the views in public_views, which read the database.
`manage.py public_pointers` rewrites every pointer from the database (after a restore).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

logger = logging.getLogger(__name__)

# Path of a public page or download → the build's file name (None: the department's page).
ROUTE = re.compile(
    r"^/reports/(?P<year>\d{4})/(?:(?P<name>all/|report\.pdf|data\.zip|data/index\.json)"
    r"|data/(?P<csv>[-a-zA-Z0-9_]+)\.csv|(?P<code>[-a-zA-Z0-9_]+)/)?$"
)
NAMES = {
    None: "index.html",
    "all/": "all.html",
    "report.pdf": "report.pdf",
    "data.zip": "data.zip",
    "data/index.json": "data/index.json",
}


def pointer_path(fiscal_year: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "public" / f"{int(fiscal_year)}.json"


def public_name(name: str) -> bool:
    """Files of a build that the public site serves (not its work files)."""
    return not name.startswith("_work/")


def write_pointer(build) -> None:
    """Point the public site at `build`, a published release build (atomic replace)."""
    from reports.services import assembly

    if build.published_at is None:
        raise ValueError("only a published build can be the public edition")
    fiscal_year = build.report.fiscal_year
    pointer = {
        "build": build.pk,
        "edition": build.edition,
        "fiscal_year": fiscal_year,
        "published_at": int(build.published_at.timestamp()),
        "dir": str(assembly.build_dir(build).relative_to(Path(settings.MEDIA_ROOT))),
        "files": {
            name: [entry["sha256"], entry["size"], entry["content_type"]]
            for name, entry in sorted(build.manifest.items())
            if public_name(name)
        },
    }
    path = pointer_path(fiscal_year)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(pointer, handle, ensure_ascii=False, separators=(",", ":"))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_pointer_on_commit(build_id: int) -> None:
    """After the publishing transaction commits (never for a build that is rolled back)."""
    from django.db import transaction

    def write() -> None:
        from reports.models import Build

        build = Build.objects.select_related("report").filter(pk=build_id).first()
        if build is not None and build.published_at is not None:
            write_pointer(build)

    transaction.on_commit(write)


def rewrite_pointers() -> list[int]:
    """Write the pointer of every fiscal year from the database; the years written."""
    from reports import selectors_public

    years = []
    for year in selectors_public.published_years():
        fiscal_year = getattr(year, "fiscal_year", year)
        build = selectors_public.latest_published_build(fiscal_year)
        if build is not None:
            write_pointer(build)
            years.append(fiscal_year)
    return years


@dataclass
class Edition:
    """A decoded pointer, with the headers of each file computed once."""

    build_id: int
    directory: Path
    last_modified: int
    files: dict[str, tuple[str, int, str]]
    headers: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


_pointers: dict[int, tuple[tuple, Edition]] = {}
_verified: dict[str, tuple[int, int, int, str]] = {}


def current(fiscal_year: int) -> Edition | None:
    path = pointer_path(fiscal_year)
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    key = (str(path), st.st_ino, st.st_mtime_ns, st.st_size)
    cached = _pointers.get(fiscal_year)
    if cached is not None and cached[0] == key:
        return cached[1]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        edition = Edition(
            build_id=int(data["build"]),
            directory=Path(settings.MEDIA_ROOT) / data["dir"],
            last_modified=int(data["published_at"]),
            files={name: tuple(entry) for name, entry in data["files"].items()},
        )
    except (OSError, ValueError, KeyError, TypeError):
        logger.exception("public: the pointer %s cannot be read", path)
        return None
    _pointers[fiscal_year] = (key, edition)
    return edition


def content_disposition(fiscal_year: int, name: str) -> str | None:
    """How a public file is offered: data as a named download, the PDF inline, pages as is."""
    if name == "data.zip":
        return f'attachment; filename="jimuhokoku-{fiscal_year}-data.zip"'
    if name.startswith("data/") and name.endswith(".csv"):
        return f'attachment; filename="jimuhokoku-{fiscal_year}-{name.removeprefix("data/")}"'
    if name.endswith(".pdf"):
        return f'inline; filename="jimuhokoku-{fiscal_year}.pdf"'
    return None


def _headers(edition: Edition, fiscal_year: int, name: str) -> list[tuple[str, str]]:
    headers = edition.headers.get(name)
    if headers is None:
        sha256 = edition.files[name][0]
        max_age = int(getattr(settings, "PUBLIC_CACHE_MAX_AGE", 60 * 60))
        headers = [
            ("ETag", f'"{sha256}"'),
            ("Last-Modified", http_date(edition.last_modified)),
            ("Cache-Control", f"public, max-age={max_age}"),
        ]
        disposition = content_disposition(fiscal_year, name)
        if disposition:
            headers.append(("Content-Disposition", disposition))
        if getattr(settings, "CONTENT_SECURITY_POLICY", ""):
            headers.append(("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY))
        headers.append(("X-Frame-Options", getattr(settings, "X_FRAME_OPTIONS", "DENY")))
        edition.headers[name] = headers
    return headers


def intact(path: Path, handle, sha256: str) -> bool:
    """The open file is the one that was published (checked once per change on disk)."""
    st = os.fstat(handle.fileno())
    stamp = (st.st_ino, st.st_size, st.st_mtime_ns, sha256)
    if _verified.get(str(path)) == stamp:
        return True
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(1 << 20), b""):
        digest.update(chunk)
    handle.seek(0)
    if digest.hexdigest() != sha256:
        _verified.pop(str(path), None)
        return False
    _verified[str(path)] = stamp
    return True


def tampered_response() -> HttpResponse:
    return HttpResponse(
        "この資料は公開時の内容と一致しないため表示できません。市の担当課にお知らせください。",
        status=503,
        content_type="text/plain; charset=utf-8",
    )


def serve(request: HttpRequest, fiscal_year: int, name: str) -> HttpResponse | None:
    """The response for a published file, or None to let the views answer."""
    edition = current(fiscal_year)
    if edition is None or name not in edition.files:
        return None
    sha256, _size, content_type = edition.files[name]
    headers = _headers(edition, fiscal_year, name)
    etag = headers[0][1]
    conditional = get_conditional_response(request, etag=etag, last_modified=edition.last_modified)
    if conditional is not None:  # 304, or 412 for a failed If-Match, as in the views
        for key, value in headers[:3]:
            conditional[key] = value
        return conditional
    path = edition.directory / name
    try:
        handle = path.open("rb")
    except OSError:
        logger.error("public: file %s of build %s is missing", name, edition.build_id)
        return None
    if not intact(path, handle, sha256):
        handle.close()
        logger.error(
            "public: file %s of build %s no longer matches its checksum; refused",
            name,
            edition.build_id,
        )
        return tampered_response()
    response = FileResponse(handle, content_type=content_type)
    if "Content-Disposition" in response:
        del response["Content-Disposition"]
    for key, value in headers:
        response[key] = value
    return response


class PublicFileMiddleware:
    """Answer GET/HEAD of the current edition's files before the rest of the stack."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.enabled = getattr(settings, "PUBLIC_FAST_PATH", True)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.enabled and request.method in ("GET", "HEAD"):
            match = ROUTE.match(request.path_info)
            if match is not None:
                if match["csv"]:
                    name = f"data/{match['csv']}.csv"
                elif match["code"]:
                    name = f"departments/{match['code']}.html"
                else:
                    name = NAMES[match["name"]]
                response = serve(request, int(match["year"]), name)
                if response is not None:
                    return response
        return self.get_response(request)
